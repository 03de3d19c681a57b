import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { builtinProcessors, runPipeline } from './nlp/processors.ts'
import { decide, isOpen } from './rules.ts'
import { formatScriptError, parseScript } from './script.ts'
import { localize } from './template.ts'
import { emptyAnalysis, type Analysis, type CompiledScript, type Decision } from './types.ts'

const SOURCE = `
settings:
  minConfidence: 0.5
  handoffSentiment: -0.5
  handoffKeywords: [转人工, 真人, human, real person]
  orderPattern: 'KF\\d{8}'
  businessHours: { timeZone: Asia/Shanghai, open: 'mon-fri 09:00-18:00' }
intents:
  order_status: { examples: [我的订单到哪了, where is my order], reply: { zh: 请提供订单号, en: Your order number please } }
  returns: { examples: [我要退货, return this], reply: [退货说明一, 退货说明二, 退货说明三] }
  handoff: { examples: [转人工] }
rules:
  - name: order lookup
    when: { intent: order_status, entity: order }
    do: [{ action: order-status }]
  - name: contact
    when: { entity: [email, phone] }
    do: [{ label: has-contact }]
  - name: complaint
    when: { keyword: [投诉, complaint] }
    do: [{ label: complaint }, { reply: 已记录 }, { handoff: complaint }, { label: never }]
  - name: after complaint
    when: { keyword: 投诉 }
    do: [{ label: not-reached }]
  - name: angry returns
    when: { intent: returns, sentimentBelow: -0.2 }
    do: [{ team: returns-desk }, { reply: 抱歉 }]
  - name: happy
    when: { sentimentAbove: 0.5, intent: [returns, order_status] }
    do: [{ label: happy }]
  - name: night
    when: { hours: closed, intent: order_status }
    do: [{ label: after-hours }]
  - name: invoice
    when: { hours: open, keyword: 发票 }
    do: [{ reply: 开票请联系财务 }]
`

function compile(source: string): CompiledScript {
  const result = parseScript(source, { site: 'shop', variant: 'default', actions: new Set(['order-status', 'ticket']), processors: new Set() })
  if (!result.ok) throw new Error(result.errors.map(formatScriptError).join('\n'))
  return result.script
}
const script = compile(SOURCE)

// Monday 30 November 2026 in Shanghai (UTC+8, no daylight saving): 10:00 is open, 20:00 closed.
const OPEN = Date.parse('2026-11-30T02:00:00Z')
const CLOSED = Date.parse('2026-11-30T12:00:00Z')

/** An analysis as the pipeline would leave it; the rules only read these fields. */
function analysis(text: string, o: { intent?: [string, number]; entities?: string[]; sentiment?: number } = {}): Analysis {
  const a = emptyAnalysis(text)
  if (o.intent) {
    a.intent = { intent: o.intent[0], confidence: o.intent[1] }
    a.ranking = [a.intent]
  }
  a.entities = (o.entities ?? []).map((type) => ({ type, value: type === 'order' ? 'KF20261128' : 'x', text: 'x', start: 0, end: 1 }))
  if (o.sentiment !== undefined) a.sentiment = { score: o.sentiment, label: o.sentiment < 0 ? 'negative' : 'neutral', matches: [] }
  return a
}

const handoff = (reason: string): Decision => ({ rules: [], actions: [{ type: 'handoff', reason }] })

describe('1. the visitor asks for a person', () => {
  it('in Chinese, by keyword, before any rule (even one that matches)', () => {
    expect(decide(script, analysis('我要投诉，转人工！', { intent: ['returns', 0.9] }), OPEN)).toEqual(handoff('visitor_request'))
    expect(decide(script, analysis('能让真人来吗'), OPEN)).toEqual(handoff('visitor_request'))
  })

  it('in English, by keyword, on normalised text (case and full width), not inside other words', () => {
    expect(decide(script, analysis('Can I talk to a REAL PERSON?'), OPEN)).toEqual(handoff('visitor_request'))
    expect(decide(script, analysis('ｈｕｍａｎ please'), OPEN)).toEqual(handoff('visitor_request'))
    expect(decide(script, analysis('that return policy is inhuman', { intent: ['returns', 0.8] }), OPEN).actions[0]?.type).toBe('reply')
  })

  it('by the handoff intent, only at or above minConfidence', () => {
    expect(decide(script, analysis('找个客服', { intent: ['handoff', 0.5] }), OPEN)).toEqual(handoff('visitor_request'))
    expect(decide(script, analysis('找个客服', { intent: ['handoff', 0.49] }), OPEN)).toEqual(handoff('low_confidence'))
  })
})

describe('2. rules', () => {
  it('run in file order; a hand-off ends the list', () => {
    expect(decide(script, analysis('我要投诉', { intent: ['returns', 0.9] }), OPEN)).toEqual({
      rules: ['complaint'],
      actions: [
        { type: 'label', label: 'complaint' },
        { type: 'reply', text: '已记录' },
        { type: 'handoff', reason: 'complaint' },
      ],
    })
  })

  it('need every condition (AND): an intent alone does not fire the order rule, intent and order entity do', () => {
    expect(decide(script, analysis('where is my order', { intent: ['order_status', 0.8] }), OPEN)).toEqual({
      rules: [],
      actions: [{ type: 'reply', text: script.intents[0]?.replies[0] }],
    })
    expect(decide(script, analysis('where is KF20261128', { intent: ['order_status', 0.8], entities: ['order'] }), OPEN)).toEqual({
      rules: ['order lookup'],
      actions: [{ type: 'action', name: 'order-status', args: {} }],
    })
    // An intent condition needs minConfidence too.
    expect(decide(script, analysis('KF20261128?', { intent: ['order_status', 0.3], entities: ['order'] }), OPEN)).toEqual(handoff('low_confidence'))
  })

  it('accept any listed value (OR); labels alone do not answer, so the intent reply follows', () => {
    for (const type of ['email', 'phone']) {
      expect(decide(script, analysis('退货 me@x.cn', { intent: ['returns', 0.8], entities: [type] }), OPEN)).toMatchObject({
        rules: ['contact'],
        actions: [{ type: 'label', label: 'has-contact' }, { type: 'reply' }],
      })
    }
    expect(decide(script, analysis('退货 2026-12-01', { intent: ['returns', 0.8], entities: ['date'] }), OPEN).rules).toEqual([])
  })

  it('compare sentiment strictly below / above', () => {
    const at = (score: number) => decide(script, analysis('退货', { intent: ['returns', 0.8], sentiment: score }), OPEN)
    expect(at(-0.2).rules).toEqual([])
    expect(at(-0.3)).toEqual({ rules: ['angry returns'], actions: [{ type: 'team', team: 'returns-desk' }, { type: 'reply', text: '抱歉' }] })
    expect(at(0.5).rules).toEqual([])
    expect(at(0.6).rules).toEqual(['happy'])
  })

  it('hours: open and closed in the business hours time zone', () => {
    const invoice = analysis('我要开发票')
    expect(decide(script, invoice, OPEN)).toEqual({ rules: ['invoice'], actions: [{ type: 'reply', text: '开票请联系财务' }] })
    expect(decide(script, invoice, CLOSED)).toEqual(handoff('low_confidence'))
    const order = analysis('KF20261128 到哪了', { intent: ['order_status', 0.9], entities: ['order'] })
    expect(decide(script, order, OPEN).rules).toEqual(['order lookup'])
    expect(decide(script, order, CLOSED)).toEqual({
      rules: ['order lookup', 'night'],
      actions: [{ type: 'action', name: 'order-status', args: {} }, { type: 'label', label: 'after-hours' }],
    })
  })
})

describe('3. the built-in policy', () => {
  it('hands off on sentiment at or below handoffSentiment when no rule answered', () => {
    const at = (score: number) => decide(script, analysis('what is this', { intent: ['order_status', 0.9], sentiment: score }), OPEN)
    expect(at(-0.6)).toEqual(handoff('negative_sentiment'))
    expect(at(-0.5)).toEqual(handoff('negative_sentiment'))
    expect(at(-0.49).actions[0]?.type).toBe('reply')
  })

  it('a rule that answers comes before negative sentiment', () => {
    expect(decide(script, analysis('退货', { intent: ['returns', 0.8], sentiment: -0.9 }), OPEN).rules).toEqual(['angry returns'])
  })

  it('hands off on low confidence or no intent', () => {
    expect(decide(script, analysis('天气如何', { intent: ['returns', 0.2] }), OPEN)).toEqual(handoff('low_confidence'))
    expect(decide(script, analysis('天气如何'), OPEN)).toEqual(handoff('low_confidence'))
  })

  it('otherwise replies in the visitor language, one of several replies chosen stably', () => {
    const reply = decide(script, analysis('where is my order', { intent: ['order_status', 0.7] }), OPEN).actions[0]
    expect(reply?.type === 'reply' && [localize(reply.text, 'en'), localize(reply.text, 'zh')]).toEqual(['Your order number please', '请提供订单号'])
    const returns = analysis('我要退货', { intent: ['returns', 0.7] })
    const pick = (now: number) => decide(script, returns, now).actions[0]
    expect(pick(OPEN)).toEqual(pick(OPEN))
    const seen = new Set(Array.from({ length: 60 }, (_, i) => JSON.stringify(pick(OPEN + i * 1000))))
    expect(seen).toEqual(new Set(['退货说明一', '退货说明二', '退货说明三'].map((text) => JSON.stringify({ type: 'reply', text }))))
  })
})

describe('isOpen', () => {
  const shanghai = { timeZone: 'Asia/Shanghai', open: [1, 2, 3, 4, 5].map((day) => ({ day, from: 9 * 60, to: 18 * 60 })) }
  const newYork = { timeZone: 'America/New_York', open: [1, 2, 3, 4, 5].map((day) => ({ day, from: 9 * 60, to: 17 * 60 })) }
  const at = (iso: string) => Date.parse(iso)

  it('Asia/Shanghai: opens at 09:00 and closes at 18:00 local, closed on Sunday', () => {
    expect(isOpen(shanghai, at('2026-11-30T00:59:59Z'))).toBe(false) // Mon 08:59:59
    expect(isOpen(shanghai, at('2026-11-30T01:00:00Z'))).toBe(true) // Mon 09:00
    expect(isOpen(shanghai, at('2026-11-30T09:59:00Z'))).toBe(true) // Mon 17:59
    expect(isOpen(shanghai, at('2026-11-30T10:00:00Z'))).toBe(false) // Mon 18:00
    expect(isOpen(shanghai, at('2026-11-29T02:00:00Z'))).toBe(false) // Sun 10:00
    // Friday 23:30 UTC is already Saturday 07:30 in Shanghai.
    expect(isOpen(shanghai, at('2026-11-27T23:30:00Z'))).toBe(false)
  })

  it('America/New_York follows daylight saving: 13:30 UTC is 08:30 in winter, 09:30 in summer', () => {
    expect(isOpen(newYork, at('2026-03-06T13:30:00Z'))).toBe(false) // Fri 08:30 EST
    expect(isOpen(newYork, at('2026-03-09T13:30:00Z'))).toBe(true) // Mon 09:30 EDT (DST began Sun 8 March)
    expect(isOpen(newYork, at('2026-10-30T13:30:00Z'))).toBe(true) // Fri 09:30 EDT
    expect(isOpen(newYork, at('2026-11-02T13:30:00Z'))).toBe(false) // Mon 08:30 EST (DST ended Sun 1 November)
    expect(isOpen(newYork, at('2026-11-02T21:59:00Z'))).toBe(true) // Mon 16:59 EST
    expect(isOpen(newYork, at('2026-11-02T22:00:00Z'))).toBe(false) // Mon 17:00 EST
  })

  it('24:00 closes at midnight: open until 23:59', () => {
    const late = { timeZone: 'Asia/Shanghai', open: [{ day: 5, from: 18 * 60, to: 24 * 60 }] }
    expect(isOpen(late, at('2026-11-27T15:59:00Z'))).toBe(true) // Fri 23:59
    expect(isOpen(late, at('2026-11-27T16:00:00Z'))).toBe(false) // Sat 00:00
  })
})

describe('the demo script through the real pipeline', () => {
  const demo = compile(readFileSync(join(import.meta.dirname, 'scripts', 'demo', 'default.yaml'), 'utf8'))
  const processors = demo.settings.pipeline.map((name) => {
    const factory = builtinProcessors[name]
    if (!factory) throw new Error(`no processor ${name}`)
    return factory(demo.settings.processors[name] ?? {})
  })
  const run = async (text: string, now = OPEN) => {
    const found = await runPipeline(processors, text, { script: demo, now })
    return { found, decision: decide(demo, found, now) }
  }

  it('looks an order up when asked in Chinese or English with its number', async () => {
    for (const text of ['我的订单KF20261128到哪了', 'where is my order KF20261128?']) {
      const { found, decision } = await run(text)
      expect(found.entities).toContainEqual(expect.objectContaining({ type: 'order', value: 'KF20261128' }))
      expect(decision).toEqual({ rules: ['order lookup'], actions: [{ type: 'action', name: 'order-status', args: {} }] })
    }
  })

  it('asks for the number when there is none', async () => {
    const { decision } = await run('我的订单到哪了')
    const reply = decision.actions[0]
    expect(reply?.type === 'reply' && localize(reply.text, 'zh')).toContain('订单号')
  })

  it('hands off when asked for a person, in both languages', async () => {
    for (const text of ['转人工', '我要找人工客服', 'I want to talk to a human', 'can I talk to a real person']) {
      expect((await run(text)).decision).toEqual(handoff('visitor_request'))
    }
  })

  it('hands off what it does not know', async () => {
    expect((await run('给我讲个笑话')).decision).toEqual(handoff('low_confidence'))
    expect((await run('what is the capital of france')).decision).toEqual(handoff('low_confidence'))
  })

  it('files a complaint: label, reply, ticket, hand-off; labels after hours', async () => {
    const { decision } = await run('你们的服务太差了，我要投诉', CLOSED)
    expect(decision.rules).toEqual(['complaint'])
    expect(decision.actions.map((a) => a.type)).toEqual(['reply', 'label', 'action', 'handoff'])
    expect((await run('谢谢', CLOSED)).decision).toMatchObject({ rules: ['after hours'], actions: [{ type: 'label', label: 'after-hours' }, { type: 'reply' }] })
  })
})
