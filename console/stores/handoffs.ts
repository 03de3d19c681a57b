import { atom } from 'nanostores'

/**
 * Hand-offs from the bot to a person, as this agent should notice them: the conversation stays marked in
 * the list until it is opened, a toast shows for a while, and (only if the agent already allowed it) a
 * desktop notification appears while the tab is hidden. Permission is never asked for here.
 */
export type Handoff = { conv: string; reason: string; at: number }

/** A toast stays this long unless dismissed or opened. */
export const TOAST_MS = 12_000
/** At most this many toasts on screen; older ones give way. */
export const TOASTS_MAX = 3

/** Conversations handed off and not yet opened by this agent. */
export const $handoffs = atom<Readonly<Record<string, Handoff>>>({})
/** Toasts on screen, oldest first. */
export const $toasts = atom<readonly Handoff[]>([])

const timers = new Map<string, ReturnType<typeof setTimeout>>()

export type HandoffContext = {
  /** The conversation on screen, if any, and whether the tab is visible. */
  selected: string | null
  visible: boolean
  /** Title and body of a desktop notification, in the agent's language. */
  describe: (h: Handoff) => { title: string; body: string }
  /** Clicking the desktop notification. */
  open: (conv: string) => void
}

export function noteHandoff(h: Handoff, ctx: HandoffContext): void {
  // Already in front of the agent: nothing to point at.
  if (ctx.selected === h.conv && ctx.visible) return
  $handoffs.set({ ...$handoffs.get(), [h.conv]: h })
  $toasts.set([...$toasts.get().filter((t) => t.conv !== h.conv), h].slice(-TOASTS_MAX))
  clearTimeout(timers.get(h.conv))
  timers.set(h.conv, setTimeout(() => dismissToast(h.conv), TOAST_MS))
  if (!ctx.visible) notifyDesktop(h, ctx)
}

function notifyDesktop(h: Handoff, ctx: HandoffContext): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return
  const { title, body } = ctx.describe(h)
  try {
    const note = new Notification(title, { body, tag: `kefu-handoff-${h.conv}` })
    note.onclick = () => {
      focus()
      ctx.open(h.conv)
      note.close()
    }
  } catch {
    // Some browsers (Android Chrome) only allow notifications from a service worker: the toast remains.
  }
}

export function dismissToast(conv: string): void {
  clearTimeout(timers.get(conv))
  timers.delete(conv)
  if ($toasts.get().some((t) => t.conv === conv)) $toasts.set($toasts.get().filter((t) => t.conv !== conv))
}

/** The agent opened the conversation: the mark and its toast go. */
export function seenHandoff(conv: string): void {
  dismissToast(conv)
  const all = $handoffs.get()
  if (!all[conv]) return
  const { [conv]: _, ...rest } = all
  $handoffs.set(rest)
}

export function resetHandoffs(): void {
  for (const timer of timers.values()) clearTimeout(timer)
  timers.clear()
  $handoffs.set({})
  $toasts.set([])
}
