import { map } from 'nanostores'
import { TIMING, type ServerFrameOf, type Side } from '../../protocol/index.ts'
import { sendFrame } from './socket.ts'

/**
 * Typing indicators, both ways. Incoming ones expire after `TIMING.typingTtlMs` without a refresh;
 * outgoing ones are refreshed at most every `TYPING_SEND_EVERY_MS` while the agent types, well inside
 * that TTL, and switched off on send or when the draft is cleared.
 */
export type TypingState = { side: Side; name: string | null }

export const TYPING_SEND_EVERY_MS = 3_000

export const $typing = map<Record<string, TypingState | undefined>>({})

const expiry = new Map<string, ReturnType<typeof setTimeout>>()

function clear(conv: string): void {
  clearTimeout(expiry.get(conv))
  expiry.delete(conv)
  if ($typing.get()[conv]) $typing.setKey(conv, undefined)
}

export function onTypingFrame(frame: ServerFrameOf<'typing'>): void {
  if (!frame.on) return clear(frame.conv)
  clearTimeout(expiry.get(frame.conv))
  $typing.setKey(frame.conv, { side: frame.side, name: frame.name })
  expiry.set(frame.conv, setTimeout(() => clear(frame.conv), TIMING.typingTtlMs))
}

/** A message from the typist replaces their indicator at once. */
export function clearTypingFor(conv: string, sender: string): void {
  if ($typing.get()[conv]?.side === sender) clear(conv)
}

/** Conversation → when we last told the server the agent is typing there. */
const sentAt = new Map<string, number>()

/** Call on every composer input. */
export function noteDraft(conv: string, text: string, now = Date.now()): void {
  if (text.trim() === '') return stopTyping(conv)
  const last = sentAt.get(conv)
  if (last !== undefined && now - last < TYPING_SEND_EVERY_MS) return
  if (sendFrame({ type: 'typing', conv, on: true })) sentAt.set(conv, now)
}

/** Call on send, on leaving the conversation, and when the draft empties. */
export function stopTyping(conv: string): void {
  if (!sentAt.has(conv)) return
  sentAt.delete(conv)
  sendFrame({ type: 'typing', conv, on: false })
}

export function resetTyping(): void {
  for (const timer of expiry.values()) clearTimeout(timer)
  expiry.clear()
  sentAt.clear()
  $typing.set({})
}
