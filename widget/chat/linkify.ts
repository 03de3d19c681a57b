/** Text split into plain runs and links. Only http(s) URLs become links; everything stays text. */
export type Part = string | { href: string; text: string }

// Stops at CJK text and full-width punctuation: Chinese writes "链接https://x.cn/a。谢谢" without spaces.
const URL_RE = /\bhttps?:\/\/[^\s<>"'`\u3000-\u9fff\uff00-\uffef]+/gi
const TRAILING = /[.,;:!?'")\]}>，。；：！？）】」]+$/

export function linkify(text: string): Part[] {
  const parts: Part[] = []
  let last = 0
  for (const match of text.matchAll(URL_RE)) {
    let raw = match[0]
    // "see https://x.com/a." — sentence punctuation is not part of the link; keep a balanced ")".
    const trail = TRAILING.exec(raw)?.[0] ?? ''
    raw = raw.slice(0, raw.length - trail.length)
    if (trail.startsWith(')') && raw.includes('(')) raw += ')'
    const href = safeHref(raw)
    const start = match.index
    if (!href) continue
    if (start > last) parts.push(text.slice(last, start))
    parts.push({ href, text: raw })
    last = start + raw.length
  }
  if (last < text.length) parts.push(text.slice(last))
  return parts
}

/** The normalised URL if it parses and is http(s), else null. */
export function safeHref(raw: string): string | null {
  try {
    const url = new URL(raw)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null
  } catch {
    return null
  }
}
