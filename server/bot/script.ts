import { createHash } from 'node:crypto'
import { Document, isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, Scalar, type Node, type YAMLMap } from 'yaml'
import { trainClassifier } from './nlp/classifier.ts'
import { builtinProcessors } from './nlp/processors.ts'
import { normalize, tokenize } from './nlp/tokenize.ts'
import { joinLanguages, LANG_SEPARATOR, suggestion, templateProblems } from './template.ts'
import type { Action, BusinessHours, CompiledScript, Condition, IntentDef, Rule, ScriptError, ScriptSettings, TrainExample } from './types.ts'

/**
 * A site's bot script (YAML, documented in server/bot/README.md) → a validated CompiledScript, or every
 * problem found, each with its 1-based line and column and a message saying what to change.
 */

export const SCRIPT_LIMITS = {
  sourceBytes: 256 * 1024,
  intents: 200,
  examplesPerIntent: 200,
  rules: 500,
  /** Characters of one reply (per language) or example; a chat message holds 4,000. */
  textChars: 2000,
  nameChars: 64,
  /** Errors reported at most; a badly broken file would otherwise produce thousands. */
  errors: 100,
} as const

export const DEFAULT_SETTINGS: ScriptSettings = {
  minConfidence: 0.4,
  handoffSentiment: -0.5,
  handoffKeywords: ['转人工', '人工客服', '找人工', '真人', 'human', 'real person', 'an agent'],
  orderPattern: null,
  businessHours: null,
  pipeline: ['tokenize', 'entities', 'intent', 'sentiment'],
  processors: {},
  handoffReply: null,
}

/** Entity types the built-in `entities` processor finds; a site's own processors may add more. */
export const BUILTIN_ENTITIES = ['phone', 'email', 'order', 'date'] as const

export type ParseOptions = {
  site: string
  variant: string
  /** Action names plugins provide (rules may call only these). */
  actions: ReadonlySet<string>
  /** Processor names plugins provide; the built-in ones (tokenize, entities, intent, sentiment) are always known. */
  processors: ReadonlySet<string>
  now?: number
}
export type ParseResult = { ok: true; script: CompiledScript } | { ok: false; errors: ScriptError[] }

/** First 12 hex of sha256: what every answered message records. */
export const versionOf = (source: string): string => createHash('sha256').update(source).digest('hex').slice(0, 12)

/** `line 14, column 9: rules[2].when.intents: unknown intent "refnd" (did you mean "refund"?)` */
export const formatScriptError = (e: ScriptError): string => `line ${e.line}, column ${e.column}: ${e.message}`

const TOP_KEYS = ['settings', 'intents', 'rules'] as const
const SETTING_KEYS = ['minConfidence', 'handoffSentiment', 'handoffKeywords', 'orderPattern', 'businessHours', 'pipeline', 'processors', 'handoffReply'] as const
const CONDITION_KEYS = ['keyword', 'keywords', 'intent', 'intents', 'entity', 'entities', 'sentimentBelow', 'sentimentAbove', 'hours'] as const
const STEP_KEYS = ['reply', 'label', 'team', 'handoff', 'action', 'args'] as const
const RULE_KEYS = ['name', 'when', 'do'] as const
const INTENT_KEYS = ['examples', 'reply'] as const
const NAME = /^[A-Za-z][A-Za-z0-9_-]*$/

/** Reads YAML nodes and collects errors at their positions; shared with the experiment file reader. */
export class YamlReader {
  readonly errors: ScriptError[] = []
  readonly lines = new LineCounter()
  readonly doc: Document.Parsed

  constructor(readonly source: string) {
    // uniqueKeys off: duplicates are reported by `entries` with both lines and the section's words.
    this.doc = parseDocument(source, { lineCounter: this.lines, uniqueKeys: false, prettyErrors: false })
    for (const e of this.doc.errors) this.errorAt(e.pos[0], `YAML syntax: ${e.message.split('\n')[0]}`)
  }

  position(offset: number): { line: number; column: number } {
    const { line, col } = this.lines.linePos(offset)
    return line === 0 ? { line: 1, column: offset + 1 } : { line, column: col }
  }

  errorAt(offset: number, message: string): void {
    if (this.errors.length < SCRIPT_LIMITS.errors) this.errors.push({ ...this.position(offset), message })
  }

  error(node: Node | null | undefined, message: string, fallbackOffset = 0): void {
    this.errorAt(node?.range?.[0] ?? fallbackOffset, message)
  }

  lineOf(node: Node | null | undefined): number {
    return this.position(node?.range?.[0] ?? 0).line
  }

  /** Aliases (`*name`) read as the node they point to. */
  resolve(node: unknown): Node | null {
    if (isAlias(node)) return (node.resolve(this.doc) as Node | undefined) ?? null
    return (node as Node | null) ?? null
  }

  /** A mapping's entries with string keys; reports non-string and duplicate keys, and keys not in `known`. */
  entries(map: YAMLMap, path: string, known?: readonly string[]): { key: string; keyNode: Scalar; value: Node | null }[] {
    const seen = new Map<string, Scalar>()
    const out: { key: string; keyNode: Scalar; value: Node | null }[] = []
    for (const pair of map.items) {
      const keyNode = this.resolve(pair.key)
      if (!isScalar(keyNode) || typeof keyNode.value !== 'string' && typeof keyNode.value !== 'number') {
        this.error(keyNode ?? map, `${path}: keys must be plain names`)
        continue
      }
      const key = String(keyNode.value)
      const first = seen.get(key)
      if (first) {
        this.error(keyNode, `${join(path, key)}: "${key}" appears twice (first at line ${this.lineOf(first)})`)
        continue
      }
      seen.set(key, keyNode)
      if (known && !known.includes(key)) {
        this.error(keyNode, `${path ? `${path}: ` : ''}unknown key "${key}"${suggestion(key, known)}; known: ${known.join(', ')}`)
        continue
      }
      out.push({ key, keyNode, value: this.resolve(pair.value) })
    }
    return out
  }

  map(node: Node | null, path: string, what = 'a mapping (key: value lines)'): YAMLMap | null {
    if (isMap(node)) return node
    this.error(node, `${path}: expected ${what}`)
    return null
  }

  string(node: Node | null, path: string): string | null {
    if (isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number') && String(node.value).trim() !== '') {
      const text = String(node.value)
      if (text.includes(LANG_SEPARATOR)) {
        this.error(node, `${path}: control characters are not allowed`)
        return null
      }
      return text
    }
    this.error(node, `${path}: expected text`)
    return null
  }

  number(node: Node | null, path: string, min: number, max: number): number | null {
    if (isScalar(node) && typeof node.value === 'number' && Number.isFinite(node.value)) {
      if (node.value >= min && node.value <= max) return node.value
      this.error(node, `${path}: ${node.value} is outside ${min}…${max}`)
      return null
    }
    this.error(node, `${path}: expected a number from ${min} to ${max}`)
    return null
  }

  /** One string or a list of them: `keyword: 投诉` and `keyword: [投诉, complaint]` both work. */
  strings(node: Node | null, path: string): { value: string; node: Node }[] | null {
    if (isSeq(node)) {
      const out: { value: string; node: Node }[] = []
      node.items.forEach((item, i) => {
        const resolved = this.resolve(item)
        const value = this.string(resolved, `${path}[${i}]`)
        if (value !== null && resolved) out.push({ value, node: resolved })
      })
      if (node.items.length === 0) this.error(node, `${path}: the list is empty`)
      return out
    }
    const value = this.string(node, path)
    return value !== null && node ? [{ value, node }] : null
  }

  /** Offset in the source of character `index` of a one-line scalar's value (its start when unsure). */
  offsetIn(node: Node, index: number): number {
    const start = node.range?.[0] ?? 0
    if (!isScalar(node) || typeof node.value !== 'string') return start
    const raw = this.source.slice(start, node.range?.[1] ?? start)
    if (raw.includes('\n')) return start
    if (node.type === Scalar.PLAIN) return start + index
    if (node.type === Scalar.QUOTE_SINGLE && !raw.slice(1, -1).includes("''")) return start + 1 + index
    if (node.type === Scalar.QUOTE_DOUBLE && !raw.includes('\\')) return start + 1 + index
    return start
  }
}

const join = (path: string, key: string): string => (path ? `${path}.${key}` : key)

/** Validates and compiles a script; on any problem returns all of them (up to SCRIPT_LIMITS.errors). */
export function parseScript(source: string, options: ParseOptions): ParseResult {
  const bytes = Buffer.byteLength(source, 'utf8')
  if (bytes > SCRIPT_LIMITS.sourceBytes) {
    return { ok: false, errors: [{ line: 1, column: 1, message: `the script is ${Math.ceil(bytes / 1024)} KB; at most ${SCRIPT_LIMITS.sourceBytes / 1024} KB is allowed` }] }
  }
  const r = new YamlReader(source)
  if (r.errors.length > 0) return { ok: false, errors: r.errors }
  const root = r.doc.contents
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) {
    return { ok: false, errors: [{ line: 1, column: 1, message: 'the script is empty: it needs "intents" and "rules" (see server/bot/README.md)' }] }
  }
  const top = r.map(root, 'the script', 'a mapping with settings, intents and rules')
  if (!top) return { ok: false, errors: r.errors }

  const sections = new Map(r.entries(top, '', TOP_KEYS).map((e) => [e.key, e]))
  const known = { processors: new Set([...Object.keys(builtinProcessors), ...options.processors]), actions: options.actions }
  const settings = readSettings(r, sections.get('settings')?.value ?? null, known.processors)
  // Tokenized once, for the "has words" check and for training.
  const training: TrainExample[] = []
  const intents = readIntents(r, sections.get('intents'), training)
  const rules = readRules(r, sections.get('rules'), settings, intents, known.actions)

  if (r.errors.length > 0) return { ok: false, errors: sortErrors(r.errors) }
  const script: CompiledScript = {
    site: options.site,
    variant: options.variant,
    version: versionOf(source),
    source,
    settings: deepFreeze(settings),
    intents: deepFreeze(intents),
    rules: deepFreeze(rules),
    classifier: trainClassifier(training),
    loadedAt: options.now ?? Date.now(),
  }
  return { ok: true, script: Object.freeze(script) }
}

const sortErrors = (errors: ScriptError[]): ScriptError[] => [...errors].sort((a, b) => a.line - b.line || a.column - b.column)

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const inner of Object.values(value)) deepFreeze(inner)
  }
  return value
}

function readSettings(r: YamlReader, node: Node | null, processors: ReadonlySet<string>): ScriptSettings {
  const settings: ScriptSettings = { ...DEFAULT_SETTINGS, processors: {} }
  const configured: Scalar[] = []
  if (node === null) return settings
  const map = r.map(node, 'settings')
  if (!map) return settings
  for (const { key, value } of r.entries(map, 'settings', SETTING_KEYS)) {
    const path = `settings.${key}`
    switch (key) {
      case 'minConfidence': {
        const n = r.number(value, path, 0, 1)
        if (n !== null) settings.minConfidence = n
        break
      }
      case 'handoffSentiment': {
        const n = r.number(value, path, -1, 1)
        if (n !== null) settings.handoffSentiment = n
        break
      }
      case 'handoffKeywords': {
        const list = isSeq(value) && value.items.length === 0 ? [] : r.strings(value, path)
        if (list) settings.handoffKeywords = list.map((k) => normalize(k.value))
        break
      }
      case 'orderPattern':
        settings.orderPattern = isNull(value) ? null : readPattern(r, value, path)
        break
      case 'businessHours':
        settings.businessHours = isNull(value) ? null : readHours(r, value, path)
        break
      case 'pipeline': {
        const list = r.strings(value, path) ?? []
        const seen = new Set<string>()
        for (const item of list) {
          if (!processors.has(item.value)) r.error(item.node, `${path}: unknown processor "${item.value}"${suggestion(item.value, processors)}; known: ${[...processors].join(', ')}`)
          else if (seen.has(item.value)) r.error(item.node, `${path}: "${item.value}" is listed twice`)
          seen.add(item.value)
        }
        settings.pipeline = list.map((item) => item.value)
        break
      }
      case 'processors': {
        const inner = r.map(value, path)
        if (!inner) break
        for (const entry of r.entries(inner, path, [...processors])) {
          const block = r.map(entry.value, join(path, entry.key))
          if (block) settings.processors[entry.key] = block.toJS(r.doc, { maxAliasCount: 50 }) as Record<string, unknown>
          configured.push(entry.keyNode)
        }
        break
      }
      case 'handoffReply':
        settings.handoffReply = isNull(value) ? null : readText(r, value, path)
        break
    }
  }
  // Checked after the loop: pipeline may come after processors in the file.
  for (const keyNode of configured) {
    const name = String(keyNode.value)
    if (!settings.pipeline.includes(name)) r.error(keyNode, `settings.processors.${name}: "${name}" is not in settings.pipeline, so these settings would do nothing`)
  }
  return settings
}

const isNull = (node: Node | null): boolean => node === null || (isScalar(node) && node.value === null)

function readPattern(r: YamlReader, node: Node | null, path: string): string | null {
  const source = r.string(node, path)
  if (source === null) return null
  let pattern: RegExp
  try {
    pattern = new RegExp(source, 'gu')
  } catch (error) {
    // V8 says "Invalid regular expression: /src/gu: Unterminated group": keep the reason.
    r.error(node, `${path}: not a valid regular expression (${(error as Error).message.split(': ').at(-1)})`)
    return null
  }
  if (pattern.test('')) {
    r.error(node, `${path}: "${source}" matches empty text, so every message would hold an order number; e.g. 'KF\\d{8}'`)
    return null
  }
  return source
}

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']
const HOURS_EXAMPLE = "'mon-fri 09:00-18:00, sat 10:00-16:00'"

function readHours(r: YamlReader, node: Node | null, path: string): BusinessHours | null {
  const map = r.map(node, path, `{ timeZone: Asia/Shanghai, open: ${HOURS_EXAMPLE} }`)
  if (!map) return null
  const entries = new Map(r.entries(map, path, ['timeZone', 'open']).map((e) => [e.key, e]))
  const zoneEntry = entries.get('timeZone')
  const openEntry = entries.get('open')
  if (!zoneEntry) r.error(map, `${path}: needs timeZone, e.g. Asia/Shanghai`)
  if (!openEntry) r.error(map, `${path}: needs open, e.g. ${HOURS_EXAMPLE}`)
  let timeZone: string | null = null
  if (zoneEntry) {
    timeZone = r.string(zoneEntry.value, `${path}.timeZone`)
    if (timeZone !== null && !validTimeZone(timeZone)) {
      r.error(zoneEntry.value, `${path}.timeZone: unknown time zone "${timeZone}"${suggestion(timeZone, Intl.supportedValuesOf('timeZone'))}; use an IANA name such as Asia/Shanghai or America/New_York`)
      timeZone = null
    }
  }
  const open: BusinessHours['open'] = []
  for (const item of openEntry ? (r.strings(openEntry.value, `${path}.open`) ?? []) : []) {
    open.push(...parseSpans(r, item.node, item.value, `${path}.open`))
  }
  return timeZone === null ? null : { timeZone, open }
}

function validTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone })
    return true
  } catch {
    return false
  }
}

/** `mon-fri 09:00-18:00, sat 10:00-16:00` (also `daily 09:00-21:00`, `mon-fri 09:00-12:00 13:00-18:00`). */
function parseSpans(r: YamlReader, node: Node, text: string, path: string): BusinessHours['open'] {
  const spans: BusinessHours['open'] = []
  let offset = 0
  for (const group of text.split(',')) {
    const at = offset + (group.length - group.trimStart().length)
    offset += group.length + 1
    const words = group.trim().split(/\s+/)
    const bad = (message: string) => r.errorAt(r.offsetIn(node, at), `${path}: "${group.trim()}": ${message}`)
    const [dayWord = '', ...times] = words
    const days = parseDays(dayWord.toLowerCase())
    if (typeof days === 'string') {
      bad(days)
      continue
    }
    if (times.length === 0) {
      bad(`no hours after the days; write e.g. "${dayWord} 09:00-18:00"`)
      continue
    }
    for (const range of times) {
      const m = /^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/.exec(range)
      if (!m) {
        bad(`"${range}" is not a time range like 09:00-18:00`)
        continue
      }
      const from = Number(m[1]) * 60 + Number(m[2])
      const to = Number(m[3]) * 60 + Number(m[4])
      const badTime = [[m[1], m[2]], [m[3], m[4]]].find(([h, min]) => Number(h) > 24 || Number(min) > 59 || (Number(h) === 24 && Number(min) > 0))
      if (badTime) {
        bad(`${badTime[0]}:${badTime[1]} is not a time (00:00 to 24:00)`)
        continue
      }
      if (from >= to) {
        bad(`${range} closes before it opens; for hours past midnight write two ranges, e.g. "fri 18:00-24:00, sat 00:00-02:00"`)
        continue
      }
      for (const day of days) spans.push({ day, from, to })
    }
  }
  return spans
}

function parseDays(word: string): number[] | string {
  if (word === 'daily') return [0, 1, 2, 3, 4, 5, 6]
  const [first = '', last, ...rest] = word.split('-')
  const a = DAYS.indexOf(first)
  const b = last === undefined ? a : DAYS.indexOf(last)
  const wrong = [first, last].find((d) => d !== undefined && !DAYS.includes(d))
  if (wrong !== undefined || rest.length > 0) {
    return `unknown day "${wrong ?? word}"${suggestion(wrong ?? word, DAYS)}; days are mon tue wed thu fri sat sun, a range like mon-fri, or daily`
  }
  const days: number[] = []
  // A range may wrap the week: fri-mon is fri, sat, sun, mon.
  for (let d = a; ; d = (d + 1) % 7) {
    days.push(d)
    if (d === b) break
  }
  return days
}

/** A reply or hand-off text: one string (both languages) or `{ zh: ..., en: ... }`. Templates are checked. */
function readText(r: YamlReader, node: Node | null, path: string): string | null {
  if (isMap(node)) {
    const parts = new Map(r.entries(node, path, ['zh', 'en']).map((e) => [e.key, e]))
    const zh = parts.get('zh')
    const en = parts.get('en')
    if (!zh || !en) {
      r.error(node, `${path}: a two-language text needs both zh and en (or write one text for both)`)
      return null
    }
    const zhText = checkedText(r, zh.value, `${path}.zh`)
    const enText = checkedText(r, en.value, `${path}.en`)
    return zhText === null || enText === null ? null : joinLanguages({ zh: zhText, en: enText })
  }
  return checkedText(r, node, path)
}

function checkedText(r: YamlReader, node: Node | null, path: string): string | null {
  const text = r.string(node, path)
  if (text === null) return null
  if (text.length > SCRIPT_LIMITS.textChars) {
    r.error(node, `${path}: ${text.length} characters; at most ${SCRIPT_LIMITS.textChars}`)
    return null
  }
  const problems = templateProblems(text)
  for (const problem of problems) r.error(node, `${path}: ${problem}`)
  return problems.length > 0 ? null : text.trim()
}

type Entry = { key: string; keyNode: Scalar; value: Node | null }

function readIntents(r: YamlReader, entry: Entry | undefined, training: TrainExample[]): IntentDef[] {
  const intents: IntentDef[] = []
  if (!entry) return intents
  const map = r.map(entry.value, 'intents', 'a mapping of intent names to { examples, reply }')
  if (!map) return intents
  if (map.items.length > SCRIPT_LIMITS.intents) {
    r.error(map, `intents: ${map.items.length} intents; at most ${SCRIPT_LIMITS.intents}`)
    return intents
  }
  // Which intent first used each (normalised) example: the same phrase cannot teach two intents.
  const owners = new Map<string, { intent: string; line: number }>()
  for (const { key, keyNode, value } of r.entries(map, 'intents')) {
    const path = `intents.${key}`
    if (!NAME.test(key) || key.length > SCRIPT_LIMITS.nameChars) {
      r.error(keyNode, `${path}: an intent name is a letter then letters, digits, _ or - (at most ${SCRIPT_LIMITS.nameChars})`)
      continue
    }
    const body = r.map(value, path, '{ examples: [...], reply: ... }')
    if (!body) continue
    const parts = new Map(r.entries(body, path, INTENT_KEYS).map((e) => [e.key, e]))
    const examplesEntry = parts.get('examples')
    const examples: string[] = []
    if (!examplesEntry || isNull(examplesEntry.value) || (isSeq(examplesEntry.value) && examplesEntry.value.items.length === 0)) {
      r.error(examplesEntry?.value ?? keyNode, `${path}.examples: intent "${key}" has no example phrases; give a few ways a visitor would say it`)
    } else if (!isSeq(examplesEntry.value)) {
      r.error(examplesEntry.value, `${path}.examples: expected a list of phrases`)
    } else if (examplesEntry.value.items.length > SCRIPT_LIMITS.examplesPerIntent) {
      r.error(examplesEntry.value, `${path}.examples: ${examplesEntry.value.items.length} examples; at most ${SCRIPT_LIMITS.examplesPerIntent}`)
    } else {
      for (const item of r.strings(examplesEntry.value, `${path}.examples`) ?? []) {
        const text = item.value.trim()
        const norm = normalize(text)
        const owner = owners.get(norm)
        const tokens = text.length > SCRIPT_LIMITS.textChars ? [] : tokenize(text)
        if (text.length > SCRIPT_LIMITS.textChars) r.error(item.node, `${path}.examples: an example of ${text.length} characters; at most ${SCRIPT_LIMITS.textChars}`)
        else if (!tokens.some((t) => t.isWord)) r.error(item.node, `${path}.examples: "${text}" has no words to learn from`)
        else if (owner && owner.intent !== key) r.error(item.node, `${path}.examples: "${text}" is also an example of "${owner.intent}" (line ${owner.line}); a phrase can teach only one intent`)
        else if (!owner) {
          owners.set(norm, { intent: key, line: r.lineOf(item.node) })
          examples.push(text)
          training.push({ intent: key, tokens })
        }
      }
    }
    const replyEntry = parts.get('reply')
    const replies: string[] = []
    if (replyEntry) {
      const list = isSeq(replyEntry.value) ? replyEntry.value.items.map((item) => r.resolve(item)) : [replyEntry.value]
      if (list.length === 0) r.error(replyEntry.value, `${path}.reply: the list is empty`)
      list.forEach((item, i) => {
        const text = readText(r, item, isSeq(replyEntry.value) ? `${path}.reply[${i}]` : `${path}.reply`)
        if (text !== null) replies.push(text)
      })
    } else if (key !== 'handoff') {
      r.error(keyNode, `${path}: needs a reply (said when this intent is recognised and no rule answers)`)
    }
    intents.push({ name: key, examples, replies })
  }
  return intents
}

function readRules(r: YamlReader, entry: Entry | undefined, settings: ScriptSettings, intents: IntentDef[], actions: ReadonlySet<string>): Rule[] {
  const rules: Rule[] = []
  if (!entry) return rules
  if (!isSeq(entry.value)) {
    r.error(entry.value ?? entry.keyNode, 'rules: expected a list of rules (lines starting with "- name: ...")')
    return rules
  }
  if (entry.value.items.length > SCRIPT_LIMITS.rules) {
    r.error(entry.value, `rules: ${entry.value.items.length} rules; at most ${SCRIPT_LIMITS.rules}`)
    return rules
  }
  const names = new Map<string, number>()
  entry.value.items.forEach((item, index) => {
    const path = `rules[${index}]`
    const node = r.map(r.resolve(item), path, 'a rule: { name, when, do }')
    if (!node) return
    const parts = new Map(r.entries(node, path, RULE_KEYS).map((e) => [e.key, e]))
    const nameEntry = parts.get('name')
    let name = `rule at line ${r.lineOf(node)}`
    if (!nameEntry) r.error(node, `${path}: needs a name (agents see it as the reason the bot acted)`)
    else {
      const text = r.string(nameEntry.value, `${path}.name`)
      if (text !== null) {
        const first = names.get(text)
        if (first !== undefined) r.error(nameEntry.value, `${path}.name: "${text}" is already the name of the rule at line ${first}`)
        names.set(text, r.lineOf(node))
        name = text
      }
    }
    const whenEntry = parts.get('when')
    const doEntry = parts.get('do')
    if (!whenEntry) r.error(node, `${path}: needs "when" (the conditions)`)
    if (!doEntry) r.error(node, `${path}: needs "do" (the actions)`)
    const when = whenEntry ? readCondition(r, whenEntry.value, `${path}.when`, settings, intents) : {}
    const steps = doEntry ? readSteps(r, doEntry.value, `${path}.do`, actions) : []
    rules.push({ name, line: r.lineOf(node), when, do: steps })
  })
  return rules
}

function readCondition(r: YamlReader, node: Node | null, path: string, settings: ScriptSettings, intents: IntentDef[]): Condition {
  const when: Condition = {}
  const map = r.map(node, path, 'conditions, e.g. { intent: order_status, entity: order }')
  if (!map) return when
  const entries = r.entries(map, path, CONDITION_KEYS)
  if (entries.length === 0 && map.items.length === 0) r.error(map, `${path}: no conditions; a rule needs at least one`)
  const custom = settings.pipeline.some((p) => !(p in builtinProcessors))
  const seen = new Map<string, string>()
  for (const { key, keyNode, value } of entries) {
    const kind = key.replace(/s$/, '').replace(/^entitie$/, 'entity')
    const here = `${path}.${key}`
    // A condition on what a left-out processor finds would never hold (unless a site's own processor finds it).
    const needs = kind === 'entity' ? 'entities' : kind === 'intent' ? 'intent' : kind.startsWith('sentiment') ? 'sentiment' : null
    if (needs && !custom && !settings.pipeline.includes(needs)) {
      r.error(keyNode, `${here}: needs the "${needs}" processor, which settings.pipeline leaves out`)
      continue
    }
    if (seen.has(kind)) {
      r.error(keyNode, `${here}: "${seen.get(kind)}" and "${key}" are the same condition; list the values in one`)
      continue
    }
    seen.set(kind, key)
    switch (kind) {
      case 'keyword': {
        const list = r.strings(value, here)
        if (list) when.keywords = list.map((k) => normalize(k.value))
        break
      }
      case 'intent': {
        const list = r.strings(value, here) ?? []
        const names = intents.map((i) => i.name)
        for (const item of list) {
          if (!names.includes(item.value)) r.error(item.node, `${here}: unknown intent "${item.value}"${suggestion(item.value, names)}; intents: ${names.join(', ') || 'none defined'}`)
          else if (item.value === 'handoff') r.error(item.node, `${here}: the "handoff" intent always hands off before rules run, so this rule would never fire`)
        }
        when.intents = list.map((i) => i.value)
        break
      }
      case 'entity': {
        const list = r.strings(value, here) ?? []
        for (const item of list) {
          if (item.value === 'order' && settings.orderPattern === null) r.error(item.node, `${here}: "order" needs settings.orderPattern (the site's order number format, e.g. 'KF\\d{8}')`)
          else if (!custom && !(BUILTIN_ENTITIES as readonly string[]).includes(item.value)) {
            r.error(item.node, `${here}: unknown entity "${item.value}"${suggestion(item.value, BUILTIN_ENTITIES)}; known: ${BUILTIN_ENTITIES.join(', ')}`)
          }
        }
        when.entities = list.map((i) => i.value)
        break
      }
      case 'sentimentBelow':
      case 'sentimentAbove': {
        const n = r.number(value, here, -1, 1)
        if (n !== null) when[kind] = n
        break
      }
      case 'hour': {
        const text = r.string(value, here)
        if (text !== null && text !== 'open' && text !== 'closed') r.error(value, `${here}: "${text}" must be open or closed`)
        else if (text !== null && settings.businessHours === null) r.error(value, `${here}: needs settings.businessHours (with a time zone) to know when the shop is open`)
        else if (text === 'open' || text === 'closed') when.hours = text
        break
      }
    }
  }
  return when
}

function readSteps(r: YamlReader, node: Node | null, path: string, actions: ReadonlySet<string>): Action[] {
  const steps: Action[] = []
  const items = isSeq(node) ? node.items.map((item) => r.resolve(item)) : isMap(node) ? [node] : null
  if (!items || items.length === 0) {
    r.error(node, `${path}: expected a list of actions, e.g. [{ reply: ... }, { label: complaint }, { handoff: true }]`)
    return steps
  }
  items.forEach((item, i) => {
    const here = isSeq(node) ? `${path}[${i}]` : path
    const map = r.map(item, here, 'an action: reply, label, team, handoff or action (with args)')
    if (!map) return
    const entries = r.entries(map, here, STEP_KEYS)
    const args = entries.find((e) => e.key === 'args')
    if (args && !entries.some((e) => e.key === 'action')) r.error(args.keyNode, `${here}.args: args go with "action"`)
    if (entries.length === 0 && map.items.length === 0) r.error(map, `${here}: empty action`)
    // The keys of one step run in the order written.
    for (const { key, value } of entries) {
      const at = `${here}.${key}`
      switch (key) {
        case 'reply': {
          const text = readText(r, value, at)
          if (text !== null) steps.push({ type: 'reply', text })
          break
        }
        case 'label':
        case 'team': {
          const text = r.string(value, at)
          if (text !== null && text.length > SCRIPT_LIMITS.nameChars) r.error(value, `${at}: at most ${SCRIPT_LIMITS.nameChars} characters`)
          else if (text !== null) steps.push(key === 'label' ? { type: 'label', label: text.trim() } : { type: 'team', team: text.trim() })
          break
        }
        case 'handoff': {
          if (isScalar(value) && value.value === true) steps.push({ type: 'handoff', reason: 'rule' })
          else {
            const reason = isScalar(value) && typeof value.value === 'string' ? value.value : null
            if (reason === null || !NAME.test(reason) || reason.length > SCRIPT_LIMITS.nameChars) {
              r.error(value, `${at}: write "handoff: true", or a reason agents will see, such as "handoff: complaint" (letters, digits, _ or -)`)
            } else steps.push({ type: 'handoff', reason })
          }
          break
        }
        case 'action': {
          const name = r.string(value, at)
          if (name === null) break
          if (!actions.has(name)) {
            const list = [...actions]
            r.error(value, `${at}: unknown action "${name}"${suggestion(name, list)}; ${list.length > 0 ? `known: ${list.join(', ')}` : 'no plugin provides actions (see server/plugins/README.md)'}`)
            break
          }
          let argValues: Record<string, unknown> = {}
          if (args) {
            const argMap = r.map(args.value, `${here}.args`)
            if (argMap) argValues = argMap.toJS(r.doc, { maxAliasCount: 50 }) as Record<string, unknown>
          }
          steps.push({ type: 'action', name, args: argValues })
          break
        }
      }
    }
  })
  return steps
}
