import type { Conversation, Message, Sender } from '../../protocol/index.ts'
import type { Pending } from './outbox.ts'

/** What the message list draws: conversations oldest first, each by seq, then unacked messages. */
export type Status = 'sending' | 'delivered' | 'read' | 'failed'
export type Row = {
  key: string
  /** Null while unacked. */
  conv: string | null
  sender: Sender
  name: string | null
  text: string
  ts: number
  cid: string
  seq: number | null
  /** Visitor messages only. */
  status: Status | null
  /** First of a run by the same sender (name shown), last of a run (time shown). */
  first: boolean
  last: boolean
  /** Status line under it: the newest visitor message, and any still sending or failed. */
  showStatus: boolean
  /** A new calendar day starts here. */
  newDay: boolean
}

const GROUP_GAP_MS = 5 * 60_000

export function buildTimeline(
  convs: Readonly<Record<string, Conversation>>,
  messages: Readonly<Record<string, readonly Message[]>>,
  pending: readonly Pending[],
): Row[] {
  const start = (id: string): number => convs[id]?.createdAt ?? messages[id]?.[0]?.ts ?? 0
  const rows: Omit<Row, 'first' | 'last' | 'showStatus' | 'newDay'>[] = []
  for (const id of Object.keys(messages).sort((a, b) => start(a) - start(b))) {
    const agentRead = convs[id]?.agentReadSeq ?? 0
    for (const m of messages[id] ?? []) {
      rows.push({
        key: m.cid && m.sender === 'visitor' ? m.cid : m.id,
        conv: id,
        sender: m.sender,
        name: m.senderName,
        text: m.text,
        ts: m.ts,
        cid: m.cid,
        seq: m.seq,
        status: m.sender === 'visitor' ? (agentRead >= m.seq ? 'read' : 'delivered') : null,
      })
    }
  }
  for (const p of pending) {
    rows.push({ key: p.cid, conv: null, sender: 'visitor', name: null, text: p.text, ts: p.ts, cid: p.cid, seq: null, status: p.failed ? 'failed' : 'sending' })
  }
  let lastVisitor = -1
  rows.forEach((r, i) => r.sender === 'visitor' && (lastVisitor = i))
  return rows.map((r, i) => {
    const prev = rows[i - 1]
    const next = rows[i + 1]
    const same = (a: typeof r | undefined, b: typeof r | undefined) =>
      !!a && !!b && a.sender === b.sender && (a.conv === b.conv || !b.conv) && a.name === b.name && Math.abs(b.ts - a.ts) < GROUP_GAP_MS
    const newDay = !prev || new Date(prev.ts).toDateString() !== new Date(r.ts).toDateString()
    return {
      ...r,
      first: !same(prev, r) || newDay,
      last: !same(r, next) || (!!next && new Date(next.ts).toDateString() !== new Date(r.ts).toDateString()),
      showStatus: r.status !== null && (i === lastVisitor || r.status === 'sending' || r.status === 'failed'),
      newDay,
    }
  })
}
