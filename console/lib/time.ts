import { atom, onMount } from 'nanostores'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
/** How often relative times ("5m") refresh on screen. */
export const CLOCK_TICK_MS = 30_000

/** The current time, ticking while anything shows a relative time (lazy: no timer when unused). */
export const $now = atom(Date.now())
onMount($now, () => {
  $now.set(Date.now())
  const timer = setInterval(() => $now.set(Date.now()), CLOCK_TICK_MS)
  return () => clearInterval(timer)
})

function unit(locale: string, u: 'minute' | 'hour' | 'day', n: number): string {
  return new Intl.NumberFormat(locale, { style: 'unit', unit: u, unitDisplay: 'narrow' }).format(n)
}

function startOfDay(ts: number): number {
  const d = new Date(ts)
  d.setHours(0, 0, 0, 0)
  return d.getTime()
}

/** Compact age for list rows, like Intercom: "now", "5m", "3h", "2d", then a date. */
export function formatAge(ts: number, now: number, locale: string): string {
  const age = Math.max(0, now - ts)
  if (age < MINUTE) return new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }).format(0, 'second')
  if (age < HOUR) return unit(locale, 'minute', Math.floor(age / MINUTE))
  if (age < DAY) return unit(locale, 'hour', Math.floor(age / HOUR))
  if (age < 7 * DAY) return unit(locale, 'day', Math.floor(age / DAY))
  const sameYear = new Date(ts).getFullYear() === new Date(now).getFullYear()
  return new Intl.DateTimeFormat(locale, { month: 'short', day: 'numeric', year: sameYear ? undefined : 'numeric' }).format(ts)
}

/** Time of day for a message: "6:44 PM", "18:44". */
export function formatClock(ts: number, locale: string): string {
  return new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' }).format(ts)
}

/** Full date and time, for a tooltip. */
export function formatFull(ts: number, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(ts)
}

/** Day separator in a thread: "Today", "Yesterday", else a date. */
export function formatDay(ts: number, now: number, locale: string): string {
  const days = Math.round((startOfDay(now) - startOfDay(ts)) / DAY)
  if (days === 0 || days === 1) {
    const word = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }).format(-days, 'day')
    return word.charAt(0).toLocaleUpperCase(locale) + word.slice(1)
  }
  const sameYear = new Date(ts).getFullYear() === new Date(now).getFullYear()
  return new Intl.DateTimeFormat(locale, {
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    year: sameYear ? undefined : 'numeric',
  }).format(ts)
}

/** True when two timestamps fall on different local days. */
export function isNewDay(prev: number, next: number): boolean {
  return startOfDay(prev) !== startOfDay(next)
}
