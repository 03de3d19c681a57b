import type { Message } from '../../protocol/index.ts'
import type { Pending } from '../stores/outbox.ts'
import { isNewDay } from './time.ts'

/** Consecutive messages from the same author within this gap share one header. */
export const GROUP_GAP_MS = 5 * 60_000

export type ThreadRow =
  | { kind: 'day'; key: string; ts: number }
  | { kind: 'message'; key: string; msg: Message; mine: boolean; first: boolean; status: 'sent' | 'seen' | null }
  | { kind: 'pending'; key: string; pending: Pending; first: boolean }

/**
 * What the thread shows, in order: day separators, stored messages grouped by author, then our
 * replies still waiting for an ack (minus any whose message already arrived). The last of our stored
 * messages carries "Sent" or "Seen" when nothing of ours is pending after it.
 */
export function threadRows(items: readonly Message[], pending: readonly Pending[], myId: string, visitorReadSeq: number): ThreadRow[] {
  const stored = new Set(items.map((m) => m.cid))
  const waiting = pending.filter((p) => !stored.has(p.cid))
  const rows: ThreadRow[] = []
  let prev = null as { ts: number; author: string } | null
  let lastMineIndex = -1

  const place = (ts: number, author: string): boolean => {
    if (!prev || isNewDay(prev.ts, ts)) rows.push({ kind: 'day', key: `day-${ts}`, ts })
    const first = !prev || prev.author !== author || ts - prev.ts > GROUP_GAP_MS || isNewDay(prev.ts, ts)
    prev = { ts, author }
    return first
  }

  for (const msg of items) {
    const mine = msg.sender === 'agent' && msg.senderId === myId
    const first = place(msg.ts, `${msg.sender}:${msg.senderId}`)
    if (mine) lastMineIndex = rows.length
    rows.push({ kind: 'message', key: msg.id, msg, mine, first, status: null })
  }
  for (const p of waiting) {
    const first = place(Math.max(p.createdAt, prev?.ts ?? 0), `agent:${myId}`)
    rows.push({ kind: 'pending', key: p.cid, pending: p, first })
  }
  const lastMine = rows[lastMineIndex]
  if (waiting.length === 0 && lastMine?.kind === 'message') {
    rows[lastMineIndex] = { ...lastMine, status: visitorReadSeq >= lastMine.msg.seq ? 'seen' : 'sent' }
  }
  return rows
}
