import type { Conversation, Message } from '../../protocol/index.ts'

/** Builders for store tests: a conversation and a message with sensible defaults. */
export function conv(id: string, over: Partial<Conversation> = {}): Conversation {
  return {
    id,
    site: 'demo',
    visitorId: `v-${id}`,
    visitorName: null,
    status: 'open',
    lastSeq: 0,
    visitorReadSeq: 0,
    agentReadSeq: 0,
    lastMessage: null,
    holder: 'human',
    handoff: null,
    labels: [],
    team: null,
    variant: null,
    rating: null,
    createdAt: 1_000,
    updatedAt: 1_000,
    ...over,
  }
}

export function msg(convId: string, seq: number, over: Partial<Message> = {}): Message {
  return {
    id: `${convId}-m${seq}`,
    conv: convId,
    seq,
    cid: `c${seq}`,
    sender: 'visitor',
    senderId: `v-${convId}`,
    senderName: null,
    text: `message ${seq}`,
    ts: 10_000 + seq * 1_000,
    ...over,
  }
}
