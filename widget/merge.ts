import type { Conversation, Message } from '../protocol/index.ts'

/**
 * How a client folds what the server sends into what it holds; shared by the widget and the console
 * (like connection.ts), so both sides agree on ordering, duplicates and cursors.
 */

/**
 * Merges by id, ordered by seq, returning `list` itself when nothing changed. A held message is replaced
 * only by a fuller copy of itself (the broadcast after a message made from an ack). Newer messages at
 * the end, the common case, are appended without sorting.
 */
export function mergeMessages(list: readonly Message[], incoming: readonly Message[]): readonly Message[] {
  if (incoming.length === 0) return list
  const byId = new Map<string, Message>()
  for (const m of list) byId.set(m.id, m)
  const added: Message[] = []
  let changed = false
  let appendOnly = true
  let lastSeq = list.at(-1)?.seq ?? -1
  for (const m of incoming) {
    const held = byId.get(m.id)
    if (held && held.senderName === m.senderName && held.senderId === m.senderId) continue
    if (held || m.seq <= lastSeq) appendOnly = false
    byId.set(m.id, m)
    changed = true
    if (!held) added.push(m)
    lastSeq = Math.max(lastSeq, m.seq)
  }
  if (!changed) return list
  if (appendOnly) return [...list, ...added]
  return [...byId.values()].sort((a, b) => a.seq - b.seq)
}

/** Newer facts win field by field: seq and read cursors never go back, status follows `updatedAt`. */
export function mergeConversation(prev: Conversation | undefined, next: Conversation): Conversation {
  if (!prev) return next
  const newerLast = next.lastSeq >= prev.lastSeq
  const newerState = next.updatedAt >= prev.updatedAt
  return {
    ...(newerState ? next : prev),
    lastSeq: Math.max(prev.lastSeq, next.lastSeq),
    lastMessage: newerLast ? next.lastMessage : prev.lastMessage,
    visitorReadSeq: Math.max(prev.visitorReadSeq, next.visitorReadSeq),
    agentReadSeq: Math.max(prev.agentReadSeq, next.agentReadSeq),
    updatedAt: Math.max(prev.updatedAt, next.updatedAt),
  }
}
