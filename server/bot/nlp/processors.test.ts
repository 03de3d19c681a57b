import { describe, expect, it } from 'vitest'
import type { Analysis, CompiledScript, IntentDef, Processor, ScriptSettings } from '../types.ts'
import { trainClassifier } from './classifier.ts'
import { SHOP_TRAINING } from './fixtures.ts'
import { ProcessorError, builtinProcessors, runPipeline } from './processors.ts'
import { tokenize } from './tokenize.ts'

// 2026-11-28 10:00 in Shanghai.
const NOW = Date.UTC(2026, 10, 28, 2, 0)
const SHOP_INTENTS: IntentDef[] = Object.entries(SHOP_TRAINING).map(([name, examples]) => ({ name, examples: [...examples], replies: [] }))

function scriptWith(settings: Partial<ScriptSettings> = {}, intents: IntentDef[] = SHOP_INTENTS): CompiledScript {
  return {
    site: 'shop',
    variant: 'default',
    version: 'abc123abc123',
    source: '',
    settings: {
      minConfidence: 0.4,
      handoffSentiment: -0.5,
      handoffKeywords: [],
      orderPattern: 'KF\\d{8}',
      businessHours: null,
      pipeline: ['tokenize', 'entities', 'intent', 'sentiment'],
      processors: {},
      handoffReply: null,
      ...settings,
    },
    intents,
    rules: [],
    classifier: trainClassifier(intents.flatMap((i) => i.examples.map((e) => ({ intent: i.name, tokens: tokenize(e) })))),
    loadedAt: NOW,
  }
}

/** The processors a script names, built as the engine builds them. */
const build = (script: CompiledScript, extra: Record<string, Processor> = {}): Processor[] =>
  script.settings.pipeline.map((name) => extra[name] ?? builtinProcessors[name]!(script.settings.processors[name] ?? {}))

const run = (script: CompiledScript, text: string, extra: Record<string, Processor> = {}) =>
  runPipeline(build(script, extra), text, { script, now: NOW })

/** A site's own processor: records whether it saw an order number. */
const sawOrder: Processor = {
  name: 'saw-order',
  run(analysis) {
    analysis.extra['saw-order'] = analysis.entities.some((e) => e.type === 'order')
  },
}

describe('the default pipeline', () => {
  it('understands a Chinese order question: tokens, order number, intent, sentiment', async () => {
    const analysis = await run(scriptWith(), '订单KF12345678到哪了？太慢了')
    expect(analysis.text).toBe('订单KF12345678到哪了？太慢了')
    expect(analysis.tokens.map((t) => t.text)).toContain('订单')
    expect(analysis.entities).toEqual([{ type: 'order', value: 'KF12345678', text: 'KF12345678', start: 2, end: 12 }])
    expect(analysis.intent?.intent).toBe('order_status')
    expect(analysis.intent!.confidence).toBeGreaterThanOrEqual(0.4)
    expect(analysis.ranking[0]).toEqual(analysis.intent)
    expect(analysis.ranking).toHaveLength(3)
    expect(analysis.sentiment?.label).toBe('negative')
  })

  it('understands an English request for a person', async () => {
    const analysis = await run(scriptWith(), 'This is useless, let me talk to a real person')
    expect(analysis.intent?.intent).toBe('handoff')
    expect(analysis.sentiment?.label).toBe('negative')
    expect(analysis.entities).toEqual([])
  })
})

describe('runPipeline order', () => {
  it('a processor placed after `entities` sees the entities, one placed before does not', async () => {
    const after = await run(scriptWith({ pipeline: ['tokenize', 'entities', 'saw-order'] }), '查一下KF12345678', { 'saw-order': sawOrder })
    expect(after.extra['saw-order']).toBe(true)
    const before = await run(scriptWith({ pipeline: ['tokenize', 'saw-order', 'entities'] }), '查一下KF12345678', { 'saw-order': sawOrder })
    expect(before.extra['saw-order']).toBe(false)
    expect(before.entities.map((e) => e.value)).toEqual(['KF12345678'])
  })

  it('waits for an async processor before running the next', async () => {
    const slow: Processor = {
      name: 'slow-lookup',
      async run(analysis) {
        await new Promise((resolve) => setTimeout(resolve, 20))
        analysis.entities.push({ type: 'member', value: 'gold', text: 'VIP', start: 0, end: 3 })
      },
    }
    const analysis = await run(scriptWith({ pipeline: ['slow-lookup', 'entities', 'saw-order'] }), 'VIP KF12345678', {
      'slow-lookup': slow,
      'saw-order': sawOrder,
    })
    // The entities an earlier processor found stay, and ours are added beside them.
    expect(analysis.entities.map((e) => e.type)).toEqual(['member', 'order'])
    expect(analysis.extra['saw-order']).toBe(true)
  })

  it('removing `intent` leaves intent null and the ranking empty', async () => {
    const analysis = await run(scriptWith({ pipeline: ['tokenize', 'entities', 'sentiment'] }), '我的订单到哪了')
    expect(analysis.intent).toBeNull()
    expect(analysis.ranking).toEqual([])
    expect(analysis.sentiment).not.toBeNull()
  })

  it('a script without intents has no intent, even with `intent` in the pipeline', async () => {
    const analysis = await run(scriptWith({}, []), '我的订单到哪了')
    expect(analysis.intent).toBeNull()
    expect(analysis.ranking).toEqual([])
  })

  it('without `tokenize`, intent and sentiment tokenize for themselves and no tokens are recorded', async () => {
    const analysis = await run(scriptWith({ pipeline: ['intent', 'sentiment'] }), '运费多少钱？太贵了')
    expect(analysis.tokens).toEqual([])
    expect(analysis.intent?.intent).toBe('shipping_cost')
    expect(analysis.sentiment?.label).toBe('negative')
  })

  it("a site's own tokenizer replaces the built-in one for the processors after it", async () => {
    // Splits on spaces only: 'where is my order' still works, and intent uses these tokens.
    const spaces: Processor = {
      name: 'space-tokenizer',
      run(analysis) {
        let at = 0
        analysis.tokens = analysis.text.split(' ').map((word) => {
          const token = { text: word, norm: word.toLowerCase(), start: at, end: at + word.length, isWord: true }
          at += word.length + 1
          return token
        })
      },
    }
    const analysis = await run(scriptWith({ pipeline: ['space-tokenizer', 'intent'] }), 'Where is my ORDER', { 'space-tokenizer': spaces })
    expect(analysis.tokens.map((t) => t.norm)).toEqual(['where', 'is', 'my', 'order'])
    expect(analysis.intent?.intent).toBe('order_status')
  })

  it('a throwing processor stops the run with an error that names it', async () => {
    let ranAfter = false
    const broken: Processor = {
      name: 'crm-lookup',
      run() {
        throw new Error('connection refused')
      },
    }
    const later: Processor = {
      name: 'later',
      run() {
        ranAfter = true
      },
    }
    const script = scriptWith({ pipeline: ['tokenize', 'crm-lookup', 'later'] })
    const failure = run(script, 'hello', { 'crm-lookup': broken, later })
    await expect(failure).rejects.toThrow(ProcessorError)
    await expect(failure).rejects.toThrow('processor "crm-lookup" failed: connection refused')
    await failure.catch((error: ProcessorError) => {
      expect(error.processor).toBe('crm-lookup')
      expect((error.cause as Error).message).toBe('connection refused')
    })
    expect(ranAfter).toBe(false)
  })

  it('each run starts from an empty analysis', async () => {
    const script = scriptWith()
    const processors = build(script)
    const first: Analysis = await runPipeline(processors, 'KF12345678', { script, now: NOW })
    const second = await runPipeline(processors, 'hello', { script, now: NOW })
    expect(first.entities).toHaveLength(1)
    expect(second.entities).toEqual([])
    expect(second.extra).toEqual({})
  })
})

describe('entities processor settings', () => {
  const late = Date.UTC(2026, 10, 28, 17, 30) // Nov 28 23:30 in London, Nov 29 01:30 in Shanghai
  const tomorrow = async (script: CompiledScript) =>
    (await runPipeline(build(script), '明天能送到吗', { script, now: late })).entities.map((e) => e.value)

  it('counts days in the business-hours time zone, Asia/Shanghai by default, or its own `timeZone` setting', async () => {
    expect(await tomorrow(scriptWith())).toEqual(['2026-11-30'])
    expect(await tomorrow(scriptWith({ businessHours: { timeZone: 'Europe/London', open: [] } }))).toEqual(['2026-11-29'])
    expect(await tomorrow(scriptWith({ processors: { entities: { timeZone: 'America/New_York' } } }))).toEqual(['2026-11-29'])
  })

  it("uses the script's order pattern, or the processor's own", async () => {
    const other = scriptWith({ orderPattern: '[A-Z]{2}-\\d{6}' })
    expect((await run(other, 'AB-123456 KF12345678')).entities.map((e) => e.value)).toEqual(['AB-123456'])
    const overridden = scriptWith({ processors: { entities: { orderPattern: 'KF\\d{8}' } }, orderPattern: null })
    expect((await run(overridden, 'AB-123456 KF12345678')).entities.map((e) => e.value)).toEqual(['KF12345678'])
  })

  it('refuses bad settings when the processor is built', () => {
    expect(() => builtinProcessors.entities!({ timeZone: 'Mars/Olympus' })).toThrow(/unknown time zone "Mars\/Olympus"/)
    expect(() => builtinProcessors.entities!({ orderPattern: 42 })).toThrow(/orderPattern must be a non-empty string/)
    expect(() => builtinProcessors.intent!({ ranking: 0 })).toThrow(/ranking/)
  })

  it('only the four built-in names are built-in (not Object methods such as toString)', () => {
    expect(Object.keys(builtinProcessors)).toEqual(['tokenize', 'entities', 'intent', 'sentiment'])
    expect('toString' in builtinProcessors).toBe(false)
    expect(builtinProcessors.constructor).toBeUndefined()
  })

  it('`ranking` sets how many intents are kept', async () => {
    const script = scriptWith({ processors: { intent: { ranking: 1 } } })
    expect((await run(script, '运费多少钱')).ranking).toHaveLength(1)
  })
})
