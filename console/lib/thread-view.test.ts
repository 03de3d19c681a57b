import { describe, expect, it } from 'vitest'
import type { Pending } from '../stores/outbox.ts'
import { msg } from '../stores/test-fixtures.ts'
import { threadRows } from './thread-view.ts'

const day = new Date(2026, 10, 28, 10).getTime()
const pending = (cid: string, over: Partial<Pending> = {}): Pending => ({
  cid, conv: 'a', text: 'x', createdAt: day + 60 * 60_000, state: 'sending', error: null, ...over,
})

describe('threadRows', () => {
  it('groups by author and puts a separator at each new day', () => {
    const rows = threadRows(
      [
        msg('a', 1, { ts: day - 24 * 60 * 60_000 }),
        msg('a', 2, { ts: day }),
        msg('a', 3, { ts: day + 60_000 }),
        msg('a', 4, { ts: day + 2 * 60_000, sender: 'agent', senderId: 'me' }),
        msg('a', 5, { ts: day + 30 * 60_000, sender: 'agent', senderId: 'me' }),
      ],
      [],
      'me',
      0,
    )
    expect(rows.map((r) => (r.kind === 'day' ? 'day' : r.kind === 'message' ? `${r.msg.seq}${r.first ? '*' : ''}` : 'p'))).toEqual([
      'day', '1*', 'day', '2*', '3', '4*', '5*',
    ])
  })

  it('marks only our last stored message sent or seen, and not while a reply is pending', () => {
    const items = [msg('a', 1, { sender: 'agent', senderId: 'me', ts: day }), msg('a', 2, { sender: 'agent', senderId: 'me', ts: day })]
    const status = (rows: ReturnType<typeof threadRows>) => rows.flatMap((r) => (r.kind === 'message' ? [r.status] : []))
    expect(status(threadRows(items, [], 'me', 0))).toEqual([null, 'sent'])
    expect(status(threadRows(items, [], 'me', 2))).toEqual([null, 'seen'])
    expect(status(threadRows(items, [pending('c9')], 'me', 2))).toEqual([null, null])
  })

  it('hides a pending reply once its message is stored (same cid)', () => {
    const rows = threadRows([msg('a', 1, { cid: 'c1', sender: 'agent', senderId: 'me', ts: day })], [pending('c1'), pending('c2')], 'me', 0)
    expect(rows.filter((r) => r.kind === 'pending').map((r) => r.key)).toEqual(['c2'])
  })
})
