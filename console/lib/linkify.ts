/** A run of message text: plain, or a link that is safe to open (http/https only). */
export type TextPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; href: string }

const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+|\bwww\.[^\s<>"'`]+/gi
/** Punctuation that usually ends a sentence rather than a URL ("see https://x.com/a." or "(https://x.com)"). */
const TRAILING_RE = /[.,;:!?)\]}'"。，；：！？）】》、]+$/

function safeHref(raw: string): string | null {
  try {
    const url = new URL(raw.toLowerCase().startsWith('www.') ? `https://${raw}` : raw)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null
  } catch {
    return null
  }
}

/** Splits user text into text and links. Rendering stays text-only; only the href is derived. */
export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = []
  let last = 0
  for (const match of text.matchAll(URL_RE)) {
    const start = match.index
    let raw = match[0]
    const trail = TRAILING_RE.exec(raw)
    // Keep a closing paren that balances one inside the URL (Wikipedia-style links).
    if (trail && !(trail[0] === ')' && raw.includes('('))) raw = raw.slice(0, raw.length - trail[0].length)
    const href = safeHref(raw)
    if (!href) continue
    if (start > last) parts.push({ kind: 'text', text: text.slice(last, start) })
    parts.push({ kind: 'link', text: raw, href })
    last = start + raw.length
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) })
  return parts
}
