import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ClientFrame } from '../../protocol/index.ts'
import { $outbox, applyAck, discardReply, failReply, flushOutbox, OUTBOX_MAX, resetOutbox, retryReply, sendReply, settleByMessage } from './outbox.ts'
import { setTransport } from './socket.ts'
import { msg } from './test-fixtures.ts'

let sent: ClientFrame[] = []
let online = true
let restore = () => {}

beforeEach(() => {
  sent = []
  online = true
  resetOutbox()
  restore = setTransport((frame) => (online ? (sent.push(frame), true) : false))
})
afterEach(() => restore())

const me = { id: 'ag1', name: 'Alice' }

describe('outbox', () => {
  it('sends with a cid made before the first attempt and keeps it pending until the ack', () => {
    expect(sendReply('c1', '  你好，请问有什么可以帮您？ ')).toBe(true)
    const [pending] = $outbox.get()
    expect(pending).toMatchObject({ conv: 'c1', text: '你好，请问有什么可以帮您？', state: 'sending' })
    expect(sent).toEqual([{ type: 'send', id: pending!.cid, conv: 'c1', cid: pending!.cid, text: '你好，请问有什么可以帮您？' }])

    const message = applyAck({ type: 'ack', id: pending!.cid, cid: pending!.cid, conv: 'c1', msgId: 'm9', seq: 9, ts: 123 }, me)
    expect(message).toEqual({
      id: 'm9', conv: 'c1', seq: 9, cid: pending!.cid, sender: 'agent', senderId: 'ag1', senderName: 'Alice', text: '你好，请问有什么可以帮您？', ts: 123,
    })
    expect($outbox.get()).toEqual([])
    // A second ack for the same cid (resend after reconnect) changes nothing.
    expect(applyAck({ type: 'ack', id: pending!.cid, cid: pending!.cid, conv: 'c1', msgId: 'm9', seq: 9, ts: 123 }, me)).toBeNull()
  })

  it('resends after a reconnect with the same cid, until acked', () => {
    online = false
    sendReply('c1', 'one')
    sendReply('c1', 'two')
    expect(sent).toEqual([])
    online = true
    flushOutbox()
    flushOutbox() // a second reconnect before any ack
    const cids = $outbox.get().map((p) => p.cid)
    expect(new Set(cids).size).toBe(2)
    expect(sent.map((f) => (f.type === 'send' ? f.cid : ''))).toEqual([...cids, ...cids])
  })

  it('settles when our own message is echoed before the ack', () => {
    sendReply('c1', 'hi')
    const cid = $outbox.get()[0]!.cid
    settleByMessage(msg('c1', 3, { sender: 'agent', senderId: 'someone-else', cid }), 'ag1')
    expect($outbox.get()).toHaveLength(1)
    settleByMessage(msg('c1', 3, { sender: 'agent', senderId: 'ag1', cid }), 'ag1')
    expect($outbox.get()).toEqual([])
  })

  it('marks a refused reply failed; retry resends it, discard drops it', () => {
    sendReply('c1', 'hi')
    const cid = $outbox.get()[0]!.cid
    expect(failReply('other', 'forbidden')).toBe(false)
    expect(failReply(cid, 'forbidden')).toBe(true)
    expect($outbox.get()[0]).toMatchObject({ state: 'failed', error: 'forbidden' })
    flushOutbox()
    expect(sent).toHaveLength(1) // failed replies are not resent automatically
    retryReply(cid)
    expect($outbox.get()[0]).toMatchObject({ state: 'sending', error: null })
    expect(sent).toHaveLength(2)
    discardReply(cid)
    expect($outbox.get()).toEqual([])
  })

  it('refuses empty, too long, and past the bound', () => {
    expect(sendReply('c1', '   \n')).toBe(false)
    expect(sendReply('c1', 'x'.repeat(4001))).toBe(false)
    online = false
    for (let i = 0; i < OUTBOX_MAX; i++) expect(sendReply('c1', `m${i}`)).toBe(true)
    expect(sendReply('c1', 'one more')).toBe(false)
  })
})
