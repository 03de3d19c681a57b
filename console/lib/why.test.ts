import { describe, expect, it } from 'vitest'
import type { BotTurn } from '../../protocol/index.ts'
import { translator } from '../i18n/i18n.ts'
import { describeTurn, reasonText } from './why.ts'

const turn = (over: Partial<BotTurn> = {}): BotTurn => ({
  conv: 'c1',
  msgId: 'm1',
  seq: 1,
  intent: { intent: 'order_status', confidence: 0.914 },
  ranking: [],
  entities: [{ type: 'order', value: 'KF20261101', text: 'KF20261101', start: 5, end: 15 }],
  sentiment: { score: -0.4, label: 'negative', matches: ['慢'] },
  extra: {},
  version: '3f2a1c9b0d1e88',
  variant: 'default',
  rules: ['order-lookup'],
  actions: ['action order-status', 'reply'],
  handoff: null,
  error: null,
  ts: 1,
  ...over,
})
const text = (t: BotTurn, locale: 'en' | 'zh-CN' = 'en') => describeTurn(t, translator(locale), locale).map((p) => `${p.kind}=${p.text}`)

describe('why line', () => {
  it('says what the bot understood and did, and which script did it', () => {
    expect(text(turn())).toEqual([
      'intent=order_status 91%',
      'entities=order KF20261101',
      'sentiment=negative −0.40',
      'rules=rules: order-lookup',
      'actions=did: action order-status, reply',
      'script=script 3f2a1c9 · default',
    ])
  })

  it('speaks Chinese, and names the hand-off reason in words', () => {
    const handedOff = turn({ intent: null, entities: [], sentiment: null, rules: [], actions: ['handoff visitor_request'], handoff: 'visitor_request', variant: 'b' })
    expect(text(handedOff, 'zh-CN')).toEqual(['intent=未识别意图', 'handoff=转人工：访客要求人工', 'script=脚本 3f2a1c9 · b'])
  })

  it('shows what a site’s own processors found, cut short', () => {
    const long = 'x'.repeat(200)
    const parts = text(turn({ extra: { daypart: { daypart: 'evening', hour: 20 }, crm: { note: long } } }))
    expect(parts).toContain('extra=daypart {"daypart":"evening","hour":20}')
    expect(parts.find((p) => p.startsWith('extra=crm'))!.length).toBeLessThan(100)
  })

  it('shows a plugin’s own reason and an error as they are', () => {
    expect(reasonText('order_service_down', translator('en'))).toBe('order_service_down')
    expect(text(turn({ error: 'order service timed out', handoff: 'bot_error', actions: [] }))).toContain('error=error: order service timed out')
    expect(text(turn({ handoff: 'bot_error' }))).toContain('handoff=handed off: the bot ran into an error')
  })
})
