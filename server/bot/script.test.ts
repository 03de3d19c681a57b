import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { OUT_OF_SCOPE, SHOP_HELD_OUT } from './nlp/fixtures.ts'
import { normalize, tokenize } from './nlp/tokenize.ts'
import { parseExperiment } from './experiments.ts'
import { formatScriptError, parseScript, SCRIPT_LIMITS, type ParseOptions } from './script.ts'
import { localize } from './template.ts'
import type { ScriptError } from './types.ts'

const OPTIONS: ParseOptions = { site: 'shop', variant: 'default', actions: new Set(['order-status', 'ticket']), processors: new Set(), now: 1_000 }
const README = readFileSync(join(import.meta.dirname, 'README.md'), 'utf8')
const DEMO = join(import.meta.dirname, 'scripts', 'demo')

function errorsOf(source: string, options: Partial<ParseOptions> = {}): ScriptError[] {
  const result = parseScript(source, { ...OPTIONS, ...options })
  if (result.ok) throw new Error('expected the script to be refused')
  return result.errors
}

/** 1-based column of `needle` on 1-based `line` of `source`, so expectations say what they point at. */
function col(source: string, line: number, needle: string): number {
  const text = source.split('\n')[line - 1] ?? ''
  const at = text.indexOf(needle)
  if (at < 0) throw new Error(`"${needle}" not on line ${line}`)
  return at + 1
}

describe('a valid script', () => {
  const example = /### A full example\n\n```yaml\n([\s\S]*?)```/.exec(README)?.[1] ?? ''

  it('the README example compiles, with its version, settings, texts and rule lines', () => {
    const result = parseScript(example, OPTIONS)
    if (!result.ok) throw new Error(result.errors.map(formatScriptError).join('\n'))
    const { script } = result
    expect(script.version).toBe(createHash('sha256').update(example).digest('hex').slice(0, 12))
    expect(script).toMatchObject({ site: 'shop', variant: 'default', source: example, loadedAt: 1_000 })
    expect(script.settings).toMatchObject({
      minConfidence: 0.4,
      handoffSentiment: -0.5,
      orderPattern: 'KF\\d{8}',
      businessHours: { timeZone: 'Asia/Shanghai' },
      pipeline: ['tokenize', 'entities', 'intent', 'sentiment'],
    })
    // mon-fri 09:00-18:00 and sat 10:00-16:00, in minutes.
    expect(script.settings.businessHours?.open).toHaveLength(6)
    expect(script.settings.businessHours?.open).toContainEqual({ day: 6, from: 600, to: 960 })
    expect(script.intents.map((i) => i.name)).toEqual(['order_status', 'returns', 'greeting', 'handoff'])
    const greeting = script.intents.find((i) => i.name === 'greeting')
    expect(greeting?.replies.map((r) => localize(r, 'en'))).toEqual(['Hello {{visitor.name | there}}! How can I help?', 'Hi, welcome!'])
    expect(greeting?.replies.map((r) => localize(r, 'zh'))).toEqual(['{{visitor.name | 您}}好！有什么可以帮您？', '您好，欢迎光临！'])
    const lines = example.split('\n')
    expect(script.rules.map((r) => [r.name, r.line])).toEqual([
      ['order lookup', lines.indexOf('  - name: order lookup') + 1],
      ['complaint', lines.indexOf('  - name: complaint') + 1],
      ['after hours', lines.indexOf('  - name: after hours') + 1],
    ])
    expect(script.rules[1]?.do.map((a) => a.type)).toEqual(['reply', 'label', 'action', 'handoff'])
    expect(script.rules[1]?.do[2]).toEqual({ type: 'action', name: 'ticket', args: { priority: 'high' } })
    expect(script.rules[1]?.do[3]).toEqual({ type: 'handoff', reason: 'complaint' })
    expect(script.rules[0]?.when).toEqual({ intents: ['order_status'], entities: ['order'] })
  })

  it('trains the classifier on the examples', () => {
    const result = parseScript(example, OPTIONS)
    if (!result.ok) throw new Error('invalid')
    expect(result.script.classifier.classify(tokenize('where is my order'))[0]?.intent).toBe('order_status')
    expect(result.script.classifier.classify(tokenize('我想退货'))[0]?.intent).toBe('returns')
  })

  it('is frozen: a compiled script cannot be changed by whoever holds it', () => {
    const result = parseScript(example, OPTIONS)
    if (!result.ok) throw new Error('invalid')
    expect(() => (result.script.rules as unknown[]).push({})).toThrow()
    expect(() => ((result.script.settings as { minConfidence: number }).minConfidence = 0)).toThrow()
  })
})

describe('errors, all of them, each with line and column', () => {
  it('reports every problem of a broken script in line order', () => {
    const source = [
      /* 1 */ 'settings:',
      /* 2 */ '  minConfidence: 1.5',
      /* 3 */ "  orderPattern: 'KF(\\d{8}'",
      /* 4 */ "  businessHours: { timeZone: Asia/Shanghia, open: 'mon-fri 09:00-18:00, sat 10:00-26:00' }",
      /* 5 */ '  pipline: [tokenize]',
      /* 6 */ 'intents:',
      /* 7 */ '  refund:',
      /* 8 */ '    examples: [我要退款, refund please]',
      /* 9 */ '    reply: 好的 {{visitr.name}}',
      /* 10 */ '  refund:',
      /* 11 */ '    examples: [退钱]',
      /* 12 */ '    reply: ok',
      /* 13 */ '  empty:',
      /* 14 */ '    examples: []',
      /* 15 */ '    reply: hm',
      /* 16 */ 'rules:',
      /* 17 */ '  - name: bad intent',
      /* 18 */ '    when: { intents: [refnd] }',
      /* 19 */ '    do: [{ action: tiket }]',
      /* 20 */ 'colour: blue',
      '',
    ].join('\n')
    expect(errorsOf(source).map(formatScriptError)).toEqual([
      `line 2, column 18: settings.minConfidence: 1.5 is outside 0…1`,
      `line 3, column 17: settings.orderPattern: not a valid regular expression (Unterminated group)`,
      `line 4, column ${col(source, 4, 'Asia/')}: settings.businessHours.timeZone: unknown time zone "Asia/Shanghia" (did you mean "Asia/Shanghai"?); use an IANA name such as Asia/Shanghai or America/New_York`,
      `line 4, column ${col(source, 4, 'sat 10')}: settings.businessHours.open: "sat 10:00-26:00": 26:00 is not a time (00:00 to 24:00)`,
      `line 5, column 3: settings: unknown key "pipline" (did you mean "pipeline"?); known: minConfidence, handoffSentiment, handoffKeywords, orderPattern, businessHours, pipeline, processors, handoffReply`,
      `line 9, column 12: intents.refund.reply: unknown variable "visitr.name" (did you mean "visitor"?); known: entities, visitor, intent, vars`,
      `line 10, column 3: intents.refund: "refund" appears twice (first at line 7)`,
      `line 14, column 15: intents.empty.examples: intent "empty" has no example phrases; give a few ways a visitor would say it`,
      `line 18, column 23: rules[0].when.intents: unknown intent "refnd" (did you mean "refund"?); intents: refund, empty`,
      `line 19, column 20: rules[0].do[0].action: unknown action "tiket" (did you mean "ticket"?); known: order-status, ticket`,
      `line 20, column 1: unknown key "colour"; known: settings, intents, rules`,
    ])
  })

  it('reports YAML syntax errors at their position and nothing else', () => {
    const source = ['intents:', '  greeting:', '    examples: [hi, hello', '    reply: hi', ''].join('\n')
    expect(errorsOf(source).map(formatScriptError)).toEqual([
      'line 4, column 5: YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ])
    expect(errorsOf('settings:\n\tminConfidence: 0.5\n').map(formatScriptError)).toEqual(['line 2, column 1: YAML syntax: Tabs are not allowed as indentation'])
    expect(errorsOf('intents:\n  a:\n    examples: [x]\n   reply: y\n').map(formatScriptError)).toEqual([
      'line 4, column 1: YAML syntax: All mapping items must start at the same column',
    ])
  })

  it('explains rule mistakes: conditions, steps, hours without business hours, order without a pattern', () => {
    const source = [
      /* 1 */ 'intents:',
      /* 2 */ '  greeting: { examples: [hello], reply: hi }',
      /* 3 */ 'rules:',
      /* 4 */ '  - name: a',
      /* 5 */ '    when: { hours: closed, entity: order, sentimentBelow: -3, wen: x }',
      /* 6 */ '    do: [{ handoff: not a reason }, { args: { a: 1 } }]',
      /* 7 */ '  - name: a',
      /* 8 */ '    when: { keyword: hi, keywords: [hello] }',
      /* 9 */ '    do: { reply: "{{entities.order", label: x }',
      /* 10 */ '  - when: {}',
      '',
    ].join('\n')
    expect(errorsOf(source).map(formatScriptError)).toEqual([
      `line 5, column ${col(source, 5, 'closed')}: rules[0].when.hours: needs settings.businessHours (with a time zone) to know when the shop is open`,
      `line 5, column ${col(source, 5, 'order')}: rules[0].when.entity: "order" needs settings.orderPattern (the site's order number format, e.g. 'KF\\d{8}')`,
      `line 5, column ${col(source, 5, '-3')}: rules[0].when.sentimentBelow: -3 is outside -1…1`,
      `line 5, column ${col(source, 5, 'wen')}: rules[0].when: unknown key "wen"; known: keyword, keywords, intent, intents, entity, entities, sentimentBelow, sentimentAbove, hours`,
      `line 6, column ${col(source, 6, 'not a')}: rules[0].do[0].handoff: write "handoff: true", or a reason agents will see, such as "handoff: complaint" (letters, digits, _ or -)`,
      `line 6, column ${col(source, 6, 'args')}: rules[0].do[1].args: args go with "action"`,
      `line 7, column 11: rules[1].name: "a" is already the name of the rule at line 4`,
      `line 8, column ${col(source, 8, 'keywords')}: rules[1].when.keywords: "keyword" and "keywords" are the same condition; list the values in one`,
      `line 9, column 18: rules[1].do.reply: "{{" is never closed with "}}"`,
      `line 10, column 5: rules[2]: needs a name (agents see it as the reason the bot acted)`,
      `line 10, column 5: rules[2]: needs "do" (the actions)`,
      `line 10, column 11: rules[2].when: no conditions; a rule needs at least one`,
    ])
  })

  it('checks hours, time zones and thresholds', () => {
    const source = [
      'settings:',
      '  handoffSentiment: high',
      "  businessHours: { timeZone: Mars/Olympus, open: ['thur 09:00-18:00', 'tue 18:00-09:00', 'wed 9-5', sun] }",
      '',
    ].join('\n')
    expect(errorsOf(source).map(formatScriptError)).toEqual([
      'line 2, column 21: settings.handoffSentiment: expected a number from -1 to 1',
      `line 3, column ${col(source, 3, 'Mars')}: settings.businessHours.timeZone: unknown time zone "Mars/Olympus"; use an IANA name such as Asia/Shanghai or America/New_York`,
      `line 3, column ${col(source, 3, 'thur')}: settings.businessHours.open: "thur 09:00-18:00": unknown day "thur" (did you mean "thu"?); days are mon tue wed thu fri sat sun, a range like mon-fri, or daily`,
      `line 3, column ${col(source, 3, 'tue')}: settings.businessHours.open: "tue 18:00-09:00": 18:00-09:00 closes before it opens; for hours past midnight write two ranges, e.g. "fri 18:00-24:00, sat 00:00-02:00"`,
      `line 3, column ${col(source, 3, 'wed')}: settings.businessHours.open: "wed 9-5": "9-5" is not a time range like 09:00-18:00`,
      `line 3, column ${col(source, 3, 'sun]')}: settings.businessHours.open: "sun": no hours after the days; write e.g. "sun 09:00-18:00"`,
    ])
  })

  it('checks processors, patterns that match nothing, examples shared by two intents and two-language texts', () => {
    const source = [
      /* 1 */ 'settings:',
      /* 2 */ '  pipeline: [tokenize, sentimant]',
      /* 3 */ "  orderPattern: '\\d*'",
      /* 4 */ '  handoffReply: { zh: 稍等 }',
      /* 5 */ 'intents:',
      /* 6 */ '  a: { examples: [退款, 退货], reply: x }',
      /* 7 */ '  b: { examples: [退款], reply: y }',
      /* 8 */ '  c: { examples: ["！？"], reply: z }',
      /* 9 */ '  d: { examples: [hi] }',
      '',
    ].join('\n')
    expect(errorsOf(source).map(formatScriptError)).toEqual([
      `line 2, column ${col(source, 2, 'sentimant')}: settings.pipeline: unknown processor "sentimant" (did you mean "sentiment"?); known: ${errorsOf(source)[0]?.message.split('known: ')[1]}`,
      `line 3, column 17: settings.orderPattern: "\\d*" matches empty text, so every message would hold an order number; e.g. 'KF\\d{8}'`,
      'line 4, column 17: settings.handoffReply: a two-language text needs both zh and en (or write one text for both)',
      'line 7, column 19: intents.b.examples: "退款" is also an example of "a" (line 6); a phrase can teach only one intent',
      'line 8, column 19: intents.c.examples: "！？" has no words to learn from',
      'line 9, column 3: intents.d: needs a reply (said when this intent is recognised and no rule answers)',
    ])
    expect(errorsOf(source)[0]?.message).toMatch(/known: .*tokenize.*entities.*intent.*sentiment/)
  })

  it('accepts processors plugins add, and refuses actions when no plugin provides any', () => {
    const source = 'settings: { pipeline: [tokenize, shout] }\nrules:\n  - { name: x, when: { keyword: hi }, do: [{ action: ticket }] }\n'
    expect(errorsOf(source, { processors: new Set(['shout']), actions: new Set() }).map(formatScriptError)).toEqual([
      `line 3, column ${col(source, 3, 'ticket')}: rules[0].do[0].action: unknown action "ticket"; no plugin provides actions (see server/plugins/README.md)`,
    ])
    expect(parseScript(source, { ...OPTIONS, processors: new Set(['shout']) }).ok).toBe(true)
  })

  it('refuses conditions on what a left-out processor would find, and settings for processors not in the pipeline', () => {
    const source = [
      /* 1 */ 'settings:',
      /* 2 */ '  processors: { sentiment: { negation: 3 } }',
      /* 3 */ '  pipeline: [tokenize, intent]',
      /* 4 */ 'intents: { a: { examples: [hello], reply: hi } }',
      /* 5 */ 'rules:',
      /* 6 */ '  - { name: x, when: { intent: a, entity: email, sentimentBelow: 0 }, do: [{ label: y }] }',
      '',
    ].join('\n')
    expect(errorsOf(source).map(formatScriptError)).toEqual([
      `line 2, column ${col(source, 2, 'sentiment')}: settings.processors.sentiment: "sentiment" is not in settings.pipeline, so these settings would do nothing`,
      `line 6, column ${col(source, 6, 'entity')}: rules[0].when.entity: needs the "entities" processor, which settings.pipeline leaves out`,
      `line 6, column ${col(source, 6, 'sentimentBelow')}: rules[0].when.sentimentBelow: needs the "sentiment" processor, which settings.pipeline leaves out`,
    ])
  })

  it('refuses empty and non-mapping files', () => {
    expect(errorsOf('')).toEqual([{ line: 1, column: 1, message: 'the script is empty: it needs "intents" and "rules" (see server/bot/README.md)' }])
    expect(errorsOf('- a\n- b\n')[0]?.message).toBe('the script: expected a mapping with settings, intents and rules')
  })
})

describe('size limits', () => {
  it('refuses a file over 256 KB before parsing it', () => {
    const big = `# ${'x'.repeat(SCRIPT_LIMITS.sourceBytes)}\n`
    expect(errorsOf(big)).toEqual([{ line: 1, column: 1, message: 'the script is 257 KB; at most 256 KB is allowed' }])
  })

  it('refuses too many intents, examples and rules', () => {
    const intents = Array.from({ length: 201 }, (_, i) => `  i${i}: { examples: [word${i}], reply: r }`).join('\n')
    expect(errorsOf(`intents:\n${intents}\n`).map(formatScriptError)).toEqual(['line 2, column 3: intents: 201 intents; at most 200'])
    const examples = Array.from({ length: 201 }, (_, i) => `w${i}`).join(', ')
    expect(errorsOf(`intents:\n  a:\n    examples: [${examples}]\n    reply: r\n`).map(formatScriptError)).toEqual([
      'line 3, column 15: intents.a.examples: 201 examples; at most 200',
    ])
    const rules = Array.from({ length: 501 }, (_, i) => `  - { name: r${i}, when: { keyword: k }, do: [{ label: l }] }`).join('\n')
    expect(errorsOf(`rules:\n${rules}\n`).map(formatScriptError)).toEqual(['line 2, column 3: rules: 501 rules; at most 500'])
  })

  it('accepts exactly the limits', () => {
    const intents = Array.from({ length: 200 }, (_, i) => `  i${i}: { examples: [word${i}], reply: r }`).join('\n')
    expect(parseScript(`intents:\n${intents}\n`, OPTIONS).ok).toBe(true)
  })
})

describe('the demo scripts', () => {
  const read = (name: string) => readFileSync(join(DEMO, name), 'utf8')

  it.each(['default.yaml', 'b.yaml'])('%s is valid with the order-status and ticket actions', (file) => {
    const result = parseScript(read(file), { ...OPTIONS, site: 'demo', variant: file.replace('.yaml', '') })
    if (!result.ok) throw new Error(result.errors.map(formatScriptError).join('\n'))
    expect(result.script.intents.map((i) => i.name).sort()).toEqual(
      ['change_address', 'greeting', 'handoff', 'opening_hours', 'order_status', 'returns', 'shipping', 'thanks'].sort(),
    )
    expect(result.script.settings.orderPattern).toBe('KF\\d{8}')
    expect(result.script.settings.businessHours?.timeZone).toBe('Asia/Shanghai')
  })

  it('b lowers minConfidence and greets differently', () => {
    const a = parseScript(read('default.yaml'), OPTIONS)
    const b = parseScript(read('b.yaml'), OPTIONS)
    if (!a.ok || !b.ok) throw new Error('invalid demo')
    expect(b.script.settings.minConfidence).toBeLessThan(a.script.settings.minConfidence)
    const greeting = (s: typeof a.script) => s.intents.find((i) => i.name === 'greeting')?.replies
    expect(greeting(b.script)).not.toEqual(greeting(a.script))
  })

  it('the demo experiment splits default and b 50/50', () => {
    const result = parseExperiment(read('experiment.yaml'), { site: 'demo', variants: new Set(['default', 'b']) })
    expect(result.ok && result.experiment.weights).toEqual({ default: 50, b: 50 })
  })

  it.each(['default.yaml', 'b.yaml'])('%s recognises at least 90%% of the held-out paraphrases and none of the out-of-scope messages', (file) => {
    const result = parseScript(read(file), OPTIONS)
    if (!result.ok) throw new Error('invalid demo')
    const { classifier, settings } = result.script
    // The NLP fixtures name two intents differently.
    const names: Record<string, string> = { return_refund: 'returns', shipping_cost: 'shipping' }
    const right = SHOP_HELD_OUT.filter((p) => classifier.classify(tokenize(p.text))[0]?.intent === (names[p.intent] ?? p.intent)).length
    expect(right / SHOP_HELD_OUT.length).toBeGreaterThanOrEqual(0.9)
    const confident = OUT_OF_SCOPE.filter((text) => (classifier.classify(tokenize(text))[0]?.confidence ?? 0) >= settings.minConfidence)
    expect(confident).toEqual([])
  })

  it('contains none of the NLP held-out phrases (they measure accuracy on phrases never trained on)', () => {
    const heldOut = new Set(SHOP_HELD_OUT.map((p) => normalize(p.text)))
    for (const file of ['default.yaml', 'b.yaml']) {
      const result = parseScript(read(file), OPTIONS)
      if (!result.ok) throw new Error('invalid demo')
      const leaked = result.script.intents.flatMap((i) => i.examples).filter((e) => heldOut.has(normalize(e)))
      expect(leaked).toEqual([])
    }
  })
})
