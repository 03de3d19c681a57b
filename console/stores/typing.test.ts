import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { TIMING, type ClientFrame } from '../../protocol/index.ts'
import { setTransport } from './socket.ts'
import { $typing, clearTypingFor, noteDraft, onTypingFrame, resetTyping, stopTyping, TYPING_SEND_EVERY_MS } from './typing.ts'

let sent: ClientFrame[] = []
let restore = () => {}
beforeEach(() => {
  vi.useFakeTimers()
  sent = []
  restore = setTransport((f) => (sent.push(f), true))
})
afterEach(() => {
  resetTyping()
  restore()
  vi.useRealTimers()
})

describe('incoming typing', () => {
  it('expires after the TTL unless refreshed', () => {
    onTypingFrame({ type: 'typing', conv: 'c1', side: 'visitor', on: true, name: null })
    vi.advanceTimersByTime(TIMING.typingTtlMs - 100)
    onTypingFrame({ type: 'typing', conv: 'c1', side: 'visitor', on: true, name: null })
    vi.advanceTimersByTime(TIMING.typingTtlMs - 100)
    expect($typing.get().c1).toEqual({ side: 'visitor', name: null })
    vi.advanceTimersByTime(200)
    expect($typing.get().c1).toBeUndefined()
  })

  it('clears on off and when the typist sends', () => {
    onTypingFrame({ type: 'typing', conv: 'c1', side: 'visitor', on: true, name: null })
    onTypingFrame({ type: 'typing', conv: 'c1', side: 'visitor', on: false, name: null })
    expect($typing.get().c1).toBeUndefined()
    onTypingFrame({ type: 'typing', conv: 'c1', side: 'visitor', on: true, name: null })
    clearTypingFor('c1', 'agent')
    expect($typing.get().c1).toBeDefined()
    clearTypingFor('c1', 'visitor')
    expect($typing.get().c1).toBeUndefined()
  })
})

describe('outgoing typing', () => {
  it('is throttled while typing and switched off on send', () => {
    const t0 = 1_000_000
    noteDraft('c1', 'h', t0)
    noteDraft('c1', 'he', t0 + 1_000)
    noteDraft('c1', 'hel', t0 + TYPING_SEND_EVERY_MS)
    expect(sent).toEqual([
      { type: 'typing', conv: 'c1', on: true },
      { type: 'typing', conv: 'c1', on: true },
    ])
    stopTyping('c1')
    stopTyping('c1')
    expect(sent.at(-1)).toEqual({ type: 'typing', conv: 'c1', on: false })
    expect(sent).toHaveLength(3)
  })

  it('says off when the draft is cleared', () => {
    noteDraft('c1', 'x', 0)
    noteDraft('c1', '', 10)
    expect(sent.at(-1)).toEqual({ type: 'typing', conv: 'c1', on: false })
  })
})
