import { atom } from 'nanostores'
import { derived } from './derived.ts'

/** Every string the visitor sees, in English and Simplified Chinese. No i18n library: a map and Intl. */
const en = {
  placeholder: 'Write a message…',
  send: 'Send',
  close: 'Close chat',
  greeting: 'Hi there! How can we help?',
  replyTime: 'We usually reply in a few minutes',
  empty: 'Ask us anything — we are here to help.',
  sending: 'Sending…',
  delivered: 'Delivered',
  read: 'Read',
  failed: 'Not sent — tap to retry',
  typing: (name: string | null) => `${name || 'Agent'} is typing…`,
  reconnecting: 'Reconnecting…',
  offline: 'Offline: messages will be sent when you are back',
  today: 'Today',
  agent: 'Support',
  bot: 'Assistant',
  rate: 'How was this conversation?',
  thanks: 'Thanks for your feedback!',
}
export type Strings = typeof en

const zh: Strings = {
  placeholder: '输入消息…',
  send: '发送',
  close: '关闭对话',
  greeting: '您好！有什么可以帮您？',
  replyTime: '我们通常几分钟内回复',
  empty: '有任何问题都可以问我们。',
  sending: '发送中…',
  delivered: '已送达',
  read: '已读',
  failed: '发送失败，点击重试',
  typing: (name) => `${name || '客服'}正在输入…`,
  reconnecting: '正在重新连接…',
  offline: '网络已断开，恢复后自动发送',
  today: '今天',
  agent: '客服',
  bot: '智能助手',
  rate: '本次服务您满意吗？',
  thanks: '感谢您的评价！',
}

export const STRINGS = { en, 'zh-CN': zh } as const
export type Locale = keyof typeof STRINGS

/** zh, zh-CN, zh-Hans-*, zh-TW... → zh-CN (the only Chinese we ship); everything else → en. */
export function pickLocale(languages: readonly string[]): Locale {
  for (const tag of languages) {
    const lower = tag.toLowerCase()
    if (lower.startsWith('zh')) return 'zh-CN'
    if (lower.startsWith('en')) return 'en'
  }
  return 'en'
}

const browserLanguages = (): readonly string[] =>
  typeof navigator === 'undefined' ? [] : navigator.languages?.length ? navigator.languages : [navigator.language]

export const $locale = atom<Locale>(pickLocale(browserLanguages()))
export const $t = derived([$locale], () => STRINGS[$locale.get()])

/** From `Kefu('setLocale', tag)`: any tag is accepted and mapped like a browser language. */
export function setLocale(tag: string): void {
  $locale.set(pickLocale([tag]))
}

/** "14:05" for today, "Mon 14:05" this week, else "3 Mar 14:05", in the visitor's locale. */
export function formatTime(ts: number, locale: Locale, now = Date.now()): string {
  const d = new Date(ts)
  const sameDay = new Date(now).toDateString() === d.toDateString()
  const opts: Intl.DateTimeFormatOptions = sameDay
    ? { hour: 'numeric', minute: '2-digit' }
    : now - ts < 6 * 86_400_000
      ? { weekday: 'short', hour: 'numeric', minute: '2-digit' }
      : { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' }
  return new Intl.DateTimeFormat(locale, opts).format(d)
}

/** The day separator: "Today", else the date. */
export function formatDay(ts: number, locale: Locale, today: string, now = Date.now()): string {
  return new Date(now).toDateString() === new Date(ts).toDateString()
    ? today
    : new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(ts)
}
