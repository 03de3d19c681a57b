import type { Entity } from '../types.ts'

export type EntityOptions = {
  /** The site's order-number pattern (a RegExp source), matched as written (case-sensitive); null: no orders. */
  orderPattern: string | null
  /** Epoch ms that relative dates (今天, tomorrow) count from. */
  now: number
  /** IANA time zone in which "today" is reckoned, e.g. `Asia/Shanghai`. */
  timeZone: string
}

/** How many compiled order patterns to keep (one per site script in practice). */
const ORDER_PATTERN_CACHE_SIZE = 100
const DAY_MS = 86_400_000

/**
 * Phone numbers, emails, order numbers (the site's pattern) and dates in `text`, sorted by start and never
 * overlapping. Matching runs on a width-folded copy (full-width `１３８…` and `＠` count), but `text`, `start`
 * and `end` refer to the original. Where two finds overlap the more specific kind wins: email, then order
 * (the site's own pattern beats a phone it resembles), then phone, then date; within a kind the longer one.
 */
export function extractEntities(text: string, options: EntityOptions): Entity[] {
  const folded = fold(text)
  const candidates: Candidate[] = [
    ...find(folded, 'email', EMAIL, (m) => m[0].toLowerCase()),
    ...findOrders(folded, options.orderPattern),
    ...findPhones(folded),
    ...findDates(folded, options.now, options.timeZone),
  ]
  candidates.sort((a, b) => RANK[a.type] - RANK[b.type] || b.end - b.start - (a.end - a.start) || a.start - b.start)
  const taken: Candidate[] = []
  for (const c of candidates) {
    if (taken.every((t) => c.end <= t.start || c.start >= t.end)) taken.push(c)
  }
  return taken
    .sort((a, b) => a.start - b.start)
    .map((c) => {
      const start = folded.startOf[c.start]!
      const end = folded.endOf[c.end - 1]!
      return { type: c.type, value: c.value, text: text.slice(start, end), start, end }
    })
}

type Kind = 'email' | 'order' | 'phone' | 'date'
const RANK: Record<Kind, number> = { email: 0, order: 1, phone: 2, date: 3 }
/** Offsets here are into the folded text. */
type Candidate = { type: Kind; value: string; start: number; end: number }

type Folded = { text: string; startOf: number[]; endOf: number[] }

/** NFKC per code point, remembering where each folded UTF-16 unit came from so offsets map back. */
function fold(text: string): Folded {
  let out = ''
  const startOf: number[] = []
  const endOf: number[] = []
  let i = 0
  for (const ch of text) {
    const f = ch.normalize('NFKC')
    out += f
    for (let k = 0; k < f.length; k++) {
      startOf.push(i)
      endOf.push(i + ch.length)
    }
    i += ch.length
  }
  return { text: out, startOf, endOf }
}

function find(folded: Folded, type: Kind, re: RegExp, value: (m: RegExpExecArray) => string | null): Candidate[] {
  const found: Candidate[] = []
  re.lastIndex = 0
  for (let m = re.exec(folded.text); m !== null; m = re.exec(folded.text)) {
    if (m[0] === '') {
      re.lastIndex++ // a zero-length match would never advance
      continue
    }
    const v = value(m)
    if (v !== null) found.push({ type, value: v, start: m.index, end: m.index + m[0].length })
  }
  return found
}

const EMAIL = /(?<![\w.%+-])[a-z0-9](?:[a-z0-9._%+-]*[a-z0-9_%+-])?@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,}(?![a-z0-9-])/giu

// --- orders ---

const orderCache = new Map<string, RegExp | null>()

/**
 * The site's pattern compiled once, with `g` (and `u` when the pattern is valid in unicode mode; patterns
 * written for the old mode, e.g. with `\-` outside a class, still work). Null when it is invalid or can match
 * the empty string: such a pattern would find "orders" everywhere, so it finds none.
 */
export function compileOrderPattern(pattern: string): RegExp | null {
  if (orderCache.has(pattern)) return orderCache.get(pattern)!
  let re: RegExp | null = null
  for (const flags of ['gu', 'g']) {
    try {
      re = new RegExp(pattern, flags)
      break
    } catch {
      // try the next flags
    }
  }
  if (re && new RegExp(`^(?:${re.source})$`, re.flags.replace('g', '')).test('')) re = null
  if (orderCache.size >= ORDER_PATTERN_CACHE_SIZE) orderCache.delete(orderCache.keys().next().value!)
  orderCache.set(pattern, re)
  return re
}

const ALNUM = /[\p{L}\p{N}]/u
const ASCII_ALNUM = /[A-Za-z0-9]/

function findOrders(folded: Folded, pattern: string | null): Candidate[] {
  const re = pattern === null ? null : compileOrderPattern(pattern)
  if (!re) return []
  return find(folded, 'order', re, (m) => {
    // "KF123456789" is not order KF12345678 followed by a 9: a match must not cut a run of letters/digits.
    const before = folded.text[m.index - 1] ?? ''
    const after = folded.text[m.index + m[0].length] ?? ''
    const first = m[0][0]!
    const last = m[0][m[0].length - 1]!
    if (ASCII_ALNUM.test(first) && ASCII_ALNUM.test(before)) return null
    if (ASCII_ALNUM.test(last) && ASCII_ALNUM.test(after)) return null
    return m[0]
  })
}

// --- phones ---

const digits = (s: string): string => (s.trim().startsWith('+') || s.trim().startsWith('00') ? '+' : '') + s.replace(/\D/g, '').replace(/^00/, '')

// Chinese mobile (138 0013 8000, 138-0013-8000, +86 13800138000, 0086…), landline with area code
// (010-12345678, (0755) 1234567), 400/800 service numbers, and international numbers written with +CC.
const MOBILE = /(?<![\d+])(?:(?:\+|00)86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)/gu
const LANDLINE = /(?<![\d+])(?:\(0\d{2,3}\)[ -]?|0\d{2,3}[ -]?)\d{3,4}[ -]?\d{4}(?!\d)/gu
const SERVICE = /(?<![\d+])[48]00[ -]?\d{3}[ -]?\d{4}(?!\d)/gu
// Each digit group after the first starts with a separator, so there is one way to read a run of digits
// (no catastrophic backtracking on a long one); the digit count is checked afterwards.
const INTERNATIONAL = /(?<![\d+])\+[1-9]\d*(?:[ -]?\(\d+\))?(?:[ -]\d+)*(?!\d)/gu

function findPhones(folded: Folded): Candidate[] {
  const intl = find(folded, 'phone', INTERNATIONAL, (m) => {
    const n = m[0].replace(/\D/g, '').length
    return n >= 8 && n <= 15 ? digits(m[0]) : null // E.164: at most 15 digits
  })
  return [
    ...find(folded, 'phone', MOBILE, (m) => digits(m[0])),
    ...find(folded, 'phone', LANDLINE, (m) => digits(m[0])),
    ...find(folded, 'phone', SERVICE, (m) => digits(m[0])),
    ...intl,
  ]
}

// --- dates ---

const MONTHS: Record<string, number> = {
  jan: 1, january: 1, feb: 2, february: 2, mar: 3, march: 3, apr: 4, april: 4, may: 5, jun: 6, june: 6,
  jul: 7, july: 7, aug: 8, august: 8, sep: 9, sept: 9, september: 9, oct: 10, october: 10, nov: 11,
  november: 11, dec: 12, december: 12,
}
const MONTH = Object.keys(MONTHS).sort((a, b) => b.length - a.length).join('|')

const RELATIVE: Record<string, number> = {
  大前天: -3, 前天: -2, 昨天: -1, 今天: 0, 明天: 1, 后天: 2, 大后天: 3,
  昨日: -1, 今日: 0, 明日: 1, yesterday: -1, today: 0, tonight: 0, tomorrow: 1,
}

const ISO_DATE = /(?<![\d./-])(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?![\d/-]|\.\d)/gu
const CN_DATE = /(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]/gu
const MONTH_DAY = new RegExp(`\\b(${MONTH})\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?\\b(?:,?\\s+(\\d{4})\\b)?`, 'giu')
const DAY_MONTH = new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?(${MONTH})\\b\\.?(?:,?\\s+(\\d{4})\\b)?`, 'giu')
const SLASH_DATE = /(?<![\d./-])(\d{1,2})\/(\d{1,2})(?![\d/]|\.\d)/gu
const RELATIVE_DATE = new RegExp(`(?:${Object.keys(RELATIVE).filter((k) => /^\p{Script=Han}/u.test(k)).sort((a, b) => b.length - a.length).join('|')})|\\b(?:the\\s+day\\s+after\\s+tomorrow|the\\s+day\\s+before\\s+yesterday|yesterday|today|tonight|tomorrow)\\b`, 'giu')

function findDates(folded: Folded, now: number, timeZone: string): Candidate[] {
  const today = todayIn(now, timeZone)
  const num = (s: string | undefined): number | undefined => (s === undefined ? undefined : Number(s))
  return [
    ...find(folded, 'date', ISO_DATE, (m) => ymd(Number(m[1]), Number(m[2]), Number(m[3]))),
    ...find(folded, 'date', CN_DATE, (m) => ymd(num(m[1]) ?? today.year, Number(m[2]), Number(m[3]))),
    ...find(folded, 'date', MONTH_DAY, (m) => ymd(num(m[3]) ?? today.year, MONTHS[m[1]!.toLowerCase()]!, Number(m[2]))),
    ...find(folded, 'date', DAY_MONTH, (m) => ymd(num(m[3]) ?? today.year, MONTHS[m[2]!.toLowerCase()]!, Number(m[1]))),
    ...find(folded, 'date', SLASH_DATE, (m) => ymd(today.year, Number(m[1]), Number(m[2]))),
    ...find(folded, 'date', RELATIVE_DATE, (m) => {
      const key = m[0].toLowerCase().replace(/\s+/g, ' ')
      const offset = key === 'the day after tomorrow' ? 2 : key === 'the day before yesterday' ? -2 : RELATIVE[key]!
      const d = new Date(Date.UTC(today.year, today.month - 1, today.day) + offset * DAY_MS)
      return ymd(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate())
    }),
  ]
}

/** YYYY-MM-DD, or null when there is no such day (2026-02-30, month 13). */
function ymd(year: number, month: number, day: number): string | null {
  const d = new Date(Date.UTC(year, month - 1, day))
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
}

const dateFormats = new Map<string, Intl.DateTimeFormat>()

/** The calendar day of `now` in `timeZone` (throws RangeError for an unknown zone). */
function todayIn(now: number, timeZone: string): { year: number; month: number; day: number } {
  let format = dateFormats.get(timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' })
    dateFormats.set(timeZone, format)
  }
  const parts = Object.fromEntries(format.formatToParts(now).map((p) => [p.type, p.value]))
  return { year: Number(parts.year), month: Number(parts.month), day: Number(parts.day) }
}
