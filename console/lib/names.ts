import type { Conversation } from '../../protocol/index.ts'
import type { Translate } from '../i18n/i18n.ts'

/** A short, stable tag for an anonymous visitor: the last four letters or digits of their id. */
export function shortId(id: string): string {
  return id.replace(/[^a-z0-9]/gi, '').slice(-4).toUpperCase()
}

export function visitorLabel(conv: Pick<Conversation, 'visitorName' | 'visitorId'>, t: Translate): string {
  return conv.visitorName?.trim() || t('visitor.anonymous', { id: shortId(conv.visitorId) })
}

/** One or two characters for an avatar: the first letter of a name (a CJK name's first character). */
export function initials(name: string | null): string {
  const trimmed = name?.trim()
  if (!trimmed) return '?'
  const words = trimmed.split(/\s+/)
  const first = [...(words[0] ?? '')][0] ?? '?'
  const second = words.length > 1 ? ([...(words.at(-1) ?? '')][0] ?? '') : ''
  return (first + second).toUpperCase()
}

const HUES = [211, 262, 338, 24, 152, 190, 286, 4]

/** A soft colour per visitor, the same on every screen. */
export function hueOf(id: string): number {
  let h = 0
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0
  return HUES[h % HUES.length] ?? 211
}
