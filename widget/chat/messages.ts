import type { Conversation, Message } from '../../protocol/index.ts'

/** Pure helpers over one conversation's messages, always kept ascending by seq with no duplicates. */

/** Merges `incoming` into `list` (both by seq): a seq already held is kept, never duplicated. */
export function mergeMessages(list: readonly Message[], incoming: readonly Message[]): Message[] {
  if (!incoming.length) return list as Message[]
  const bySeq = new Map<number, Message>()
  for (const m of list) bySeq.set(m.seq, m)
  let changed = false
  for (const m of incoming) {
    const held = bySeq.get(m.seq)
    // The same seq can arrive from an ack (synthesised) and then the broadcast: the broadcast wins.
    if (!held || (held.id === m.id && (held.senderName !== m.senderName || held.senderId !== m.senderId))) {
      bySeq.set(m.seq, m)
      changed = true
    }
  }
  if (!changed) return list as Message[]
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq)
}

/**
 * The seq to resume from: the end of the gapless run starting at the oldest held message, so a hole
 * (a frame lost between replay and live traffic) is refilled by the server's replay.
 */
export function resumeSeq(list: readonly Message[]): number {
  const first = list[0]
  if (!first) return 0
  let seq = first.seq
  for (let i = 1; i < list.length; i++) {
    const m = list[i]!
    if (m.seq !== seq + 1) break
    seq = m.seq
  }
  return seq
}

/** The newest agent message's seq, or 0. */
export function newestAgentSeq(list: readonly Message[]): number {
  for (let i = list.length - 1; i >= 0; i--) if (list[i]!.sender === 'agent') return list[i]!.seq
  return 0
}

/** Agent messages the visitor has not read: seq above the conversation's `visitorReadSeq`. */
export function unreadCount(convs: Readonly<Record<string, Pick<Conversation, 'visitorReadSeq'>>>, messages: Readonly<Record<string, readonly Message[]>>): number {
  let n = 0
  for (const [id, list] of Object.entries(messages)) {
    const readSeq = convs[id]?.visitorReadSeq ?? 0
    for (const m of list) if (m.sender === 'agent' && m.seq > readSeq) n++
  }
  return n
}

/** Cursors only move forward: a stale `conversation` frame must not undo a newer `read`. */
export function mergeConversation(held: Conversation | undefined, next: Conversation): Conversation {
  if (!held) return next
  return {
    ...next,
    visitorReadSeq: Math.max(held.visitorReadSeq, next.visitorReadSeq),
    agentReadSeq: Math.max(held.agentReadSeq, next.agentReadSeq),
    lastSeq: Math.max(held.lastSeq, next.lastSeq),
  }
}
