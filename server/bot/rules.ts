import { normalize } from './nlp/tokenize.ts'
import type { Action, Analysis, BusinessHours, CompiledScript, Condition, Decision } from './types.ts'

/**
 * What the bot does with one analysed message: a pure function of the script, the analysis and the
 * time, in the order server/bot/README.md documents ("How the bot decides").
 */
export function decide(script: CompiledScript, analysis: Analysis, now: number): Decision {
  const { settings } = script
  const text = normalize(analysis.text)
  const best = analysis.intent
  const confident = best !== null && best.confidence >= settings.minConfidence

  // 1. The visitor asked for a person: nothing else runs.
  if (containsAny(text, settings.handoffKeywords) || (confident && best.intent === 'handoff')) {
    return { rules: [], actions: [{ type: 'handoff', reason: 'visitor_request' }] }
  }

  // 2. Every rule whose conditions all hold adds its actions, in file order; a hand-off ends the list.
  const rules: string[] = []
  const actions: Action[] = []
  for (const rule of script.rules) {
    if (!holds(rule.when, script, analysis, text, now)) continue
    rules.push(rule.name)
    for (const action of rule.do) {
      actions.push(action)
      if (action.type === 'handoff') return { rules, actions }
    }
  }
  // Labels and teams alone do not answer the visitor; replies and plugin actions do.
  if (actions.some((a) => a.type === 'reply' || a.type === 'action')) return { rules, actions }

  // 3. The built-in policy.
  const score = analysis.sentiment?.score
  if (score !== undefined && score <= settings.handoffSentiment) {
    actions.push({ type: 'handoff', reason: 'negative_sentiment' })
  } else if (!confident) {
    actions.push({ type: 'handoff', reason: 'low_confidence' })
  } else {
    const replies = script.intents.find((i) => i.name === best.intent)?.replies ?? []
    const reply = replies[pickIndex(`${analysis.text}\n${now}`, replies.length)]
    actions.push(reply === undefined ? { type: 'handoff', reason: 'low_confidence' } : { type: 'reply', text: reply })
  }
  return { rules, actions }
}

/** Conditions of one rule are AND; the values listed in one condition are OR. */
function holds(when: Condition, script: CompiledScript, analysis: Analysis, text: string, now: number): boolean {
  const best = analysis.intent
  if (when.keywords && !containsAny(text, when.keywords)) return false
  if (when.intents) {
    if (!best || best.confidence < script.settings.minConfidence || !when.intents.includes(best.intent)) return false
  }
  if (when.entities && !when.entities.some((type) => analysis.entities.some((e) => e.type === type))) return false
  const score = analysis.sentiment?.score
  if (when.sentimentBelow !== undefined && (score === undefined || !(score < when.sentimentBelow))) return false
  if (when.sentimentAbove !== undefined && (score === undefined || !(score > when.sentimentAbove))) return false
  if (when.hours) {
    const open = script.settings.businessHours !== null && isOpen(script.settings.businessHours, now)
    if ((when.hours === 'open') !== open) return false
  }
  return true
}

const LATIN = /[\p{Script=Latin}\p{Nd}]/u

/**
 * Keywords are compared on normalised text as substrings (Chinese has no spaces), except that a keyword
 * starting or ending with a Latin letter or digit must not sit inside a longer word ("human" ≠ "inhuman").
 * `keywords` are already normalised (the script compiler does it).
 */
export function containsAny(text: string, keywords: readonly string[]): boolean {
  return keywords.some((keyword) => containsKeyword(text, keyword))
}

function containsKeyword(text: string, keyword: string): boolean {
  if (keyword === '') return false
  const guardStart = LATIN.test(keyword[0] ?? '')
  const guardEnd = LATIN.test(keyword.at(-1) ?? '')
  for (let at = text.indexOf(keyword); at >= 0; at = text.indexOf(keyword, at + 1)) {
    const before = text[at - 1] ?? ''
    const after = text[at + keyword.length] ?? ''
    if ((!guardStart || !LATIN.test(before)) && (!guardEnd || !LATIN.test(after))) return true
  }
  return false
}

/** A stable pick among `count` choices (FNV-1a of the key): varied across messages, repeatable for a test. */
export function pickIndex(key: string, count: number): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return count > 0 ? (hash >>> 0) % count : 0
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const formatters = new Map<string, Intl.DateTimeFormat>()

/** Day of the week (0 = Sunday) and minutes since midnight at `now` in `timeZone` (DST included, via Intl). */
export function localTime(timeZone: string, now: number): { day: number; minute: number } {
  let format = formatters.get(timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    formatters.set(timeZone, format)
  }
  let day = 0
  let hour = 0
  let minute = 0
  for (const part of format.formatToParts(now)) {
    if (part.type === 'weekday') day = WEEKDAYS.indexOf(part.value)
    else if (part.type === 'hour') hour = Number(part.value) % 24
    else if (part.type === 'minute') minute = Number(part.value)
  }
  return { day, minute: hour * 60 + minute }
}

/** Within the weekly opening hours at `now`, in the hours' own time zone. */
export function isOpen(hours: BusinessHours, now: number): boolean {
  const local = localTime(hours.timeZone, now)
  return hours.open.some((span) => span.day === local.day && span.from <= local.minute && local.minute < span.to)
}
