import { atom } from 'nanostores'
import { createCid, LIMITS, type ErrorCode, type Message, type ServerFrameOf } from '../../protocol/index.ts'
import { sendFrame } from './socket.ts'

/**
 * Replies not yet acknowledged. Each gets its `cid` before the first attempt and keeps it: after a
 * reconnect everything still `sending` goes out again with the same cid, and the server's dedupe makes
 * that safe. An ack (or our own message echoed back) removes it.
 */
export type Pending = {
  cid: string
  conv: string
  text: string
  createdAt: number
  state: 'sending' | 'failed'
  error: ErrorCode | null
}

/** Unsent replies the console holds at once; past this the composer keeps the text instead. */
export const OUTBOX_MAX = 50

export const $outbox = atom<readonly Pending[]>([])

function transmit(p: Pending): void {
  // The cid doubles as the request id, so an `error` frame names the reply it refuses.
  sendFrame({ type: 'send', id: p.cid, conv: p.conv, cid: p.cid, text: p.text })
}

/** Queues a reply and sends it if connected. False when it cannot be queued (empty, too long, full). */
export function sendReply(conv: string, rawText: string, now = Date.now()): boolean {
  const text = rawText.trim()
  if (!text || text.length > LIMITS.textMax) return false
  const list = $outbox.get()
  if (list.length >= OUTBOX_MAX) return false
  const pending: Pending = { cid: createCid(), conv, text, createdAt: now, state: 'sending', error: null }
  $outbox.set([...list, pending])
  transmit(pending)
  return true
}

/** On every (re)connect: resend what is still waiting, same cids. */
export function flushOutbox(): void {
  for (const p of $outbox.get()) if (p.state === 'sending') transmit(p)
}

/**
 * The server committed a reply: drop it from the outbox and return the stored message, built from the
 * ack, so the thread shows it at its seq even before the broadcast echo arrives.
 */
export function applyAck(
  ack: ServerFrameOf<'ack'>,
  me: { id: string; name: string | null },
): Message | null {
  const list = $outbox.get()
  const pending = list.find((p) => p.cid === ack.cid)
  if (!pending) return null
  $outbox.set(list.filter((p) => p !== pending))
  return {
    id: ack.msgId,
    conv: ack.conv,
    seq: ack.seq,
    cid: ack.cid,
    sender: 'agent',
    senderId: me.id,
    senderName: me.name,
    text: pending.text,
    ts: ack.ts,
  }
}

/** Our own message came back (echo to every tab of ours): whatever waited for it is done. */
export function settleByMessage(msg: Message, myId: string): void {
  if (msg.sender !== 'agent' || msg.senderId !== myId) return
  const list = $outbox.get()
  if (list.some((p) => p.cid === msg.cid)) $outbox.set(list.filter((p) => p.cid !== msg.cid))
}

/** The server refused a reply (`error` frame with its request id). True when it was one of ours. */
export function failReply(requestId: string, code: ErrorCode): boolean {
  const list = $outbox.get()
  if (!list.some((p) => p.cid === requestId)) return false
  $outbox.set(list.map((p) => (p.cid === requestId ? { ...p, state: 'failed', error: code } : p)))
  return true
}

export function retryReply(cid: string): void {
  const list = $outbox.get()
  const p = list.find((x) => x.cid === cid)
  if (!p) return
  const again: Pending = { ...p, state: 'sending', error: null }
  $outbox.set(list.map((x) => (x === p ? again : x)))
  transmit(again)
}

export function discardReply(cid: string): void {
  $outbox.set($outbox.get().filter((p) => p.cid !== cid))
}

export function resetOutbox(): void {
  $outbox.set([])
}
