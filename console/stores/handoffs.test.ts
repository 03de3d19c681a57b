import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { $handoffs, $toasts, noteHandoff, resetHandoffs, seenHandoff, TOAST_MS, TOASTS_MAX, type HandoffContext } from './handoffs.ts'

const ctx = (over: Partial<HandoffContext> = {}): HandoffContext => ({
  selected: null,
  visible: true,
  describe: (h) => ({ title: `${h.conv} needs a person`, body: h.reason }),
  open: vi.fn(),
  ...over,
})
const h = (conv: string) => ({ conv, reason: 'visitor_request', at: 1 })

beforeEach(() => {
  vi.useFakeTimers()
  resetHandoffs()
})
afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('hand-off notices', () => {
  it('marks the conversation and shows a toast that times out; opening it clears the mark', () => {
    noteHandoff(h('c1'), ctx())
    expect(Object.keys($handoffs.get())).toEqual(['c1'])
    expect($toasts.get().map((t) => t.conv)).toEqual(['c1'])
    vi.advanceTimersByTime(TOAST_MS)
    expect($toasts.get()).toEqual([])
    expect(Object.keys($handoffs.get())).toEqual(['c1'])
    seenHandoff('c1')
    expect($handoffs.get()).toEqual({})
  })

  it('says nothing about the conversation the agent is looking at', () => {
    noteHandoff(h('c1'), ctx({ selected: 'c1', visible: true }))
    expect($handoffs.get()).toEqual({})
    expect($toasts.get()).toEqual([])
    // Looking at it in a hidden tab is not looking at it.
    noteHandoff(h('c1'), ctx({ selected: 'c1', visible: false }))
    expect(Object.keys($handoffs.get())).toEqual(['c1'])
  })

  it('keeps a few toasts, newest last, one per conversation', () => {
    for (const conv of ['a', 'b', 'c', 'd', 'b']) noteHandoff(h(conv), ctx())
    expect(TOASTS_MAX).toBe(3)
    expect($toasts.get().map((t) => t.conv)).toEqual(['c', 'd', 'b'])
    expect(Object.keys($handoffs.get()).sort()).toEqual(['a', 'b', 'c', 'd'])
  })

  it('shows a desktop notification only while hidden and only if already permitted, never asking', () => {
    const shown: { title: string; body: string | undefined }[] = []
    const requestPermission = vi.fn()
    const Fake = Object.assign(
      function (this: { onclick: unknown; close: () => void }, title: string, opts?: NotificationOptions) {
        shown.push({ title, body: opts?.body })
        this.close = () => {}
      },
      { permission: 'default', requestPermission },
    )
    vi.stubGlobal('Notification', Fake)
    noteHandoff(h('c1'), ctx({ visible: false }))
    expect(shown).toEqual([])
    Fake.permission = 'granted'
    noteHandoff(h('c2'), ctx({ visible: true }))
    expect(shown).toEqual([])
    noteHandoff(h('c3'), ctx({ visible: false }))
    expect(shown).toEqual([{ title: 'c3 needs a person', body: 'visitor_request' }])
    expect(requestPermission).not.toHaveBeenCalled()
  })
})
