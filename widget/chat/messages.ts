import type { Conversation, Message } from '../../protocol/index.ts'

/** Pure helpers over one conversation's messages, always kept ascending by seq with no duplicates. */

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

/** A reply to the visitor: from an agent or from the site's bot (both count as unread, both get read). */
export const isReply = (m: Pick<Message, 'sender'>): boolean => m.sender === 'agent' || m.sender === 'bot'

/** The newest reply's seq, or 0. */
export function newestAgentSeq(list: readonly Message[]): number {
  for (let i = list.length - 1; i >= 0; i--) if (isReply(list[i]!)) return list[i]!.seq
  return 0
}

/** Replies the visitor has not read: seq above the conversation's `visitorReadSeq`. */
export function unreadCount(convs: Readonly<Record<string, Pick<Conversation, 'visitorReadSeq'>>>, messages: Readonly<Record<string, readonly Message[]>>): number {
  let n = 0
  for (const [id, list] of Object.entries(messages)) {
    const readSeq = convs[id]?.visitorReadSeq ?? 0
    for (const m of list) if (isReply(m) && m.seq > readSeq) n++
  }
  return n
}
