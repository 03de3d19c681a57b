import { describe, expect, it } from 'vitest'
import type { Conversation, Message } from '../../protocol/index.ts'
import { mergeConversation, mergeMessages } from '../merge.ts'
import { newestAgentSeq, resumeSeq, unreadCount } from './messages.ts'

const msg = (seq: number, sender: Message['sender'] = 'visitor', extra: Partial<Message> = {}): Message => ({
  id: `m${seq}`,
  conv: 'c1',
  seq,
  cid: `c${seq}`,
  sender,
  senderId: sender === 'agent' ? 'a1' : 'v1',
  senderName: null,
  text: `text ${seq}`,
  ts: 1000 + seq,
  ...extra,
})

describe('messages', () => {
  it('merges by seq: ordered, deduplicated, stable when nothing is new', () => {
    const a = mergeMessages([], [msg(3), msg(1)])
    expect(a.map((m) => m.seq)).toEqual([1, 3])
    const b = mergeMessages(a, [msg(2), msg(3), msg(1)])
    expect(b.map((m) => m.seq)).toEqual([1, 2, 3])
    expect(mergeMessages(b, [msg(2)])).toBe(b)
    expect(mergeMessages(b, [])).toBe(b)
  })

  it('lets the broadcast replace a message synthesised from an ack', () => {
    const fromAck = msg(1, 'visitor')
    const broadcast = msg(1, 'visitor', { senderName: 'Ann' })
    expect(mergeMessages([fromAck], [broadcast])[0]!.senderName).toBe('Ann')
  })

  it('resumes from the end of the gapless run', () => {
    expect(resumeSeq([])).toBe(0)
    expect(resumeSeq([msg(1), msg(2), msg(3)])).toBe(3)
    expect(resumeSeq([msg(1), msg(2), msg(5)])).toBe(2)
    expect(resumeSeq([msg(40), msg(41)])).toBe(41)
  })

  it('counts unread agent messages above the visitor read cursor', () => {
    const list = [msg(1), msg(2, 'agent'), msg(3, 'agent'), msg(4), msg(5, 'system')]
    expect(unreadCount({ c1: { visitorReadSeq: 0 } }, { c1: list })).toBe(2)
    expect(unreadCount({ c1: { visitorReadSeq: 2 } }, { c1: list })).toBe(1)
    expect(unreadCount({}, { c1: list })).toBe(2)
    expect(newestAgentSeq(list)).toBe(3)
    expect(newestAgentSeq([msg(1)])).toBe(0)
  })

  it('counts the bot’s replies like an agent’s (unread, and read up to them), never system lines', () => {
    const list = [msg(1), msg(2, 'bot'), msg(3, 'system'), msg(4, 'bot'), msg(5)]
    expect(unreadCount({ c1: { visitorReadSeq: 0 } }, { c1: list })).toBe(2)
    expect(unreadCount({ c1: { visitorReadSeq: 2 } }, { c1: list })).toBe(1)
    expect(newestAgentSeq(list)).toBe(4)
  })

  it('never moves read cursors back', () => {
    const base: Conversation = {
      id: 'c1', site: 'demo', visitorId: 'v1', visitorName: null, status: 'open', lastSeq: 5,
      visitorReadSeq: 4, agentReadSeq: 5, lastMessage: null, holder: 'human', handoff: null, labels: [], team: null, variant: null, rating: null, createdAt: 1, updatedAt: 2,
    }
    const merged = mergeConversation(base, { ...base, visitorReadSeq: 2, agentReadSeq: 3, status: 'resolved' })
    expect(merged).toMatchObject({ visitorReadSeq: 4, agentReadSeq: 5, status: 'resolved' })
  })
})
