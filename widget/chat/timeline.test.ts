import { describe, expect, it } from 'vitest'
import type { Conversation, Message } from '../../protocol/index.ts'
import { buildTimeline } from './timeline.ts'

const T = Date.UTC(2026, 10, 28, 10, 0)
const msg = (conv: string, seq: number, sender: Message['sender'], ts = T + seq * 1000): Message => ({
  id: `${conv}-${seq}`, conv, seq, cid: `${conv}-c${seq}`, sender, senderId: sender, senderName: sender === 'agent' ? 'Lin' : null, text: `t${seq}`, ts,
})
const conv = (id: string, createdAt: number, agentReadSeq = 0): Conversation => ({
  id, site: 'demo', visitorId: 'v', visitorName: null, status: 'open', lastSeq: 0, visitorReadSeq: 0, agentReadSeq, lastMessage: null, holder: 'human', handoff: null, labels: [], team: null, variant: null, rating: null, createdAt, updatedAt: createdAt,
})

describe('timeline', () => {
  it('orders conversations oldest first, messages by seq, pending last, with delivery status', () => {
    const rows = buildTimeline(
      { a: conv('a', T, 1), b: conv('b', T - 1000) },
      { a: [msg('a', 1, 'visitor'), msg('a', 2, 'visitor'), msg('a', 3, 'agent')], b: [msg('b', 1, 'visitor', T - 500)] },
      [{ cid: 'p1', text: 'pending', ts: T + 10_000, at: 1 }],
    )
    expect(rows.map((r) => r.key)).toEqual(['b-c1', 'a-c1', 'a-c2', 'a-3', 'p1'])
    expect(rows.map((r) => r.status)).toEqual(['delivered', 'read', 'delivered', null, 'sending'])
    expect(rows.map((r) => r.showStatus)).toEqual([false, false, false, false, true])
    expect(rows[3]!.first && rows[3]!.last).toBe(true)
    expect(rows[1]!.first).toBe(true)
    expect(rows[0]!.newDay).toBe(true)
    expect(rows[1]!.newDay).toBe(false)
  })

  it('shows the status under the newest visitor message', () => {
    const rows = buildTimeline({ a: conv('a', T) }, { a: [msg('a', 1, 'visitor'), msg('a', 2, 'visitor')] }, [])
    expect(rows.map((r) => r.showStatus)).toEqual([false, true])
    expect(rows.map((r) => [r.first, r.last])).toEqual([[true, false], [false, true]])
  })
})
