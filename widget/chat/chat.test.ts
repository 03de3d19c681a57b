import { describe, expect, it, vi } from 'vitest'
import type { Conversation, Message } from '../../protocol/index.ts'
import { $convs, $messages, $typing, $unread, onFrame, outbox, send } from './chat.ts'
import { buildTimeline } from './timeline.ts'

// Node 20 has no global WebSocket; the connection is never started here, it only needs the name.
vi.hoisted(() => {
  ;(globalThis as { WebSocket?: unknown }).WebSocket ??= class {}
})

// In Node there is no IndexedDB (persist keeps memory) and no socket (sends wait in the outbox).
const conv: Conversation = {
  id: 'c1', site: 'demo', visitorId: 'v1', visitorName: null, status: 'open', lastSeq: 0,
  visitorReadSeq: 0, agentReadSeq: 0, lastMessage: null, holder: 'human', handoff: null, labels: [], team: null, variant: null, rating: null, createdAt: 1, updatedAt: 1,
}
const message = (seq: number, sender: Message['sender'], cid: string, text = `m${seq}`): Message => ({
  id: `id${seq}`, conv: 'c1', seq, cid, sender, senderId: sender === 'agent' ? 'a1' : 'v1', senderName: sender === 'agent' ? 'Lin' : null, text, ts: 1000 + seq,
})
const rows = () => buildTimeline($convs.get(), $messages.get(), outbox.$items.get())

describe('chat stores applying server frames', () => {
  it('takes a message from sending to delivered to read, once', () => {
    onFrame({ type: 'welcome', v: 1, role: 'visitor', me: 'v1', conversations: [conv] })
    send('  hello  ')
    expect(rows().map((r) => [r.text, r.status])).toEqual([['hello', 'sending']])
    const cid = outbox.$items.get()[0]!.cid
    onFrame({ type: 'ack', id: cid, cid, conv: 'c1', msgId: 'id1', seq: 1, ts: 1001 })
    expect(outbox.$items.get()).toEqual([])
    expect(rows().map((r) => [r.text, r.status, r.seq])).toEqual([['hello', 'delivered', 1]])
    onFrame({ type: 'message', message: message(1, 'visitor', cid, 'hello') })
    expect(rows()).toHaveLength(1)
    onFrame({ type: 'read', conv: 'c1', side: 'agent', seq: 1 })
    expect(rows()[0]!.status).toBe('read')
  })

  it('orders frames by seq, shows the other tab’s messages, and removes what another tab got acked', () => {
    send('typed here')
    const cid = outbox.$items.get()[0]!.cid
    onFrame({ type: 'message', message: message(4, 'agent', 'a-4') })
    onFrame({ type: 'message', message: message(2, 'visitor', 'other-tab', 'from tab B') })
    onFrame({ type: 'message', message: message(3, 'visitor', cid, 'typed here') })
    expect(outbox.$items.get()).toEqual([])
    expect(rows().map((r) => r.seq)).toEqual([1, 2, 3, 4])
  })

  it('counts unread agent messages until the visitor read cursor passes them', () => {
    expect($unread.get()).toBe(1)
    onFrame({ type: 'message', message: message(5, 'agent', 'a-5') })
    expect($unread.get()).toBe(2)
    onFrame({ type: 'read', conv: 'c1', side: 'visitor', seq: 5 })
    expect($unread.get()).toBe(0)
    // A stale conversation frame does not move the cursor back.
    onFrame({ type: 'conversation', conversation: { ...conv, visitorReadSeq: 2, status: 'resolved' } })
    expect($unread.get()).toBe(0)
    expect($convs.get().c1!.status).toBe('resolved')
  })

  it('shows the agent typing until their message arrives', () => {
    onFrame({ type: 'typing', conv: 'c1', side: 'agent', on: true, name: 'Lin' })
    expect($typing.get()).toEqual({ name: 'Lin' })
    onFrame({ type: 'message', message: message(6, 'agent', 'a-6') })
    expect($typing.get()).toBeNull()
  })

  it('shows the bot’s replies as incoming messages with its name, unread until read', () => {
    onFrame({ type: 'read', conv: 'c1', side: 'visitor', seq: 6 })
    const bot: Message = { ...message(7, 'agent', 'b-7', '您的订单已发货'), sender: 'bot', senderId: 'bot:demo', senderName: '智能助手' }
    onFrame({ type: 'message', message: bot })
    const row = rows().at(-1)!
    expect([row.sender, row.name, row.text, row.status]).toEqual(['bot', '智能助手', '您的订单已发货', null])
    expect($unread.get()).toBe(1)
  })

  it('marks a send the server refused for good as failed, and keeps a rate-limited one', () => {
    send('too much')
    const cid = outbox.$items.get()[0]!.cid
    onFrame({ type: 'error', id: cid, code: 'too_large', message: 'text too long' })
    expect(outbox.$items.get()[0]!.failed).toBe(true)
    send('later')
    const later = outbox.$items.get()[1]!.cid
    onFrame({ type: 'error', id: later, code: 'rate_limited', message: 'slow down' })
    expect(outbox.$items.get()[1]!.failed).toBeUndefined()
  })
})
