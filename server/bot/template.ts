import type { Entity } from './types.ts'

/**
 * Reply templates and the bot's two languages.
 *
 * A script text may be one string (said in both languages) or `{ zh, en }`. Compiled scripts keep
 * texts as strings (the contracts in types.ts), so a two-language text is stored as the Chinese and the
 * English joined by LANG_SEPARATOR, a control character YAML text cannot contain; `localize` splits it.
 */

export type Lang = 'zh' | 'en'
/** A text in both of the bot's languages. */
export type Bilingual = { zh: string; en: string }
export type LocalizedText = string | Bilingual

/** U+001F (unit separator): YAML forbids raw control characters, and the parser refuses an escaped one. */
export const LANG_SEPARATOR = '\u001f'

const HAN = /\p{Script=Han}/u

/** The visitor wrote Chinese if the message has any Han character; otherwise English. */
export function pickLanguage(text: string): Lang {
  return HAN.test(text) ? 'zh' : 'en'
}

/** Joins a two-language text into the compiled string form. */
export function joinLanguages(text: Bilingual): string {
  return `${text.zh}${LANG_SEPARATOR}${text.en}`
}

/** The text in `lang`: a one-language text is returned as it is. */
export function localize(text: LocalizedText, lang: Lang): string {
  if (typeof text !== 'string') return text[lang]
  const cut = text.indexOf(LANG_SEPARATOR)
  if (cut < 0) return text
  return lang === 'zh' ? text.slice(0, cut) : text.slice(cut + 1)
}

export type TemplateVars = {
  entities: readonly Entity[]
  visitor: { name: string | null; email: string | null }
  intent: string | null
  /** Strings an action handed back (ActionResult.vars), e.g. an order's status. */
  vars: Record<string, string>
}

/** The roots a template may name, and the fields of those that have fixed fields. */
export const TEMPLATE_ROOTS = ['entities', 'visitor', 'intent', 'vars'] as const
const VISITOR_FIELDS = ['name', 'email'] as const

/** `{{ path }}` or `{{ path | fallback }}`; the path is `root` or `root.key`. */
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g
const PATH = /^([A-Za-z_][\w]*)(?:\.([\w-]+))?$/

type Placeholder = { path: string; root: string; key: string | undefined; fallback: string; index: number }

function placeholders(template: string): Placeholder[] {
  const found: Placeholder[] = []
  for (const match of template.matchAll(PLACEHOLDER)) {
    const inner = match[1] ?? ''
    const bar = inner.indexOf('|')
    const path = (bar < 0 ? inner : inner.slice(0, bar)).trim()
    const parts = PATH.exec(path)
    found.push({
      path,
      root: parts?.[1] ?? '',
      key: parts?.[2],
      fallback: bar < 0 ? '' : inner.slice(bar + 1).trim(),
      index: match.index,
    })
  }
  return found
}

function lookup(p: Placeholder, vars: TemplateVars): string | null {
  switch (p.root) {
    case 'entities':
      return p.key === undefined ? null : (vars.entities.find((e) => e.type === p.key)?.value ?? null)
    case 'visitor':
      return p.key === 'name' ? vars.visitor.name : p.key === 'email' ? vars.visitor.email : null
    case 'intent':
      return p.key === undefined ? vars.intent : null
    case 'vars':
      return p.key === undefined ? null : (vars.vars[p.key] ?? null)
    default:
      return null
  }
}

/**
 * Fills `{{entities.order}}`, `{{visitor.name | 您}}`, `{{intent}}`, `{{vars.status}}`. A value that is
 * missing or empty gives the fallback (or nothing). Plain text in, plain text out: nothing is evaluated.
 */
export function renderTemplate(template: string, vars: TemplateVars): string {
  const marks = placeholders(template)
  if (marks.length === 0) return template
  let out = ''
  let at = 0
  for (const p of marks) {
    const value = lookup(p, vars)
    out += template.slice(at, p.index) + (value === null || value === '' ? p.fallback : value)
    at = template.indexOf('}}', p.index) + 2
  }
  return out + template.slice(at)
}

/** What is wrong with a template, for the script validator: unknown roots or fields, unclosed braces. */
export function templateProblems(template: string): string[] {
  const problems: string[] = []
  for (const p of placeholders(template)) {
    if (!PATH.test(p.path)) {
      problems.push(`"{{${p.path}}}" is not a variable: write {{entities.order}}, {{visitor.name}}, {{intent}} or {{vars.name}}`)
    } else if (!(TEMPLATE_ROOTS as readonly string[]).includes(p.root)) {
      problems.push(`unknown variable "${p.path}"${suggestion(p.root, TEMPLATE_ROOTS)}; known: ${TEMPLATE_ROOTS.join(', ')}`)
    } else if (p.root === 'intent' && p.key !== undefined) {
      problems.push(`"{{${p.path}}}": intent has no fields, write {{intent}}`)
    } else if (p.root !== 'intent' && p.key === undefined) {
      problems.push(`"{{${p.path}}}" needs a name after the dot, e.g. {{${p.root}.${p.root === 'visitor' ? 'name' : p.root === 'entities' ? 'order' : 'status'}}}`)
    } else if (p.root === 'visitor' && !(VISITOR_FIELDS as readonly string[]).includes(p.key ?? '')) {
      problems.push(`unknown visitor field "${p.key}"${suggestion(p.key ?? '', VISITOR_FIELDS)}; known: ${VISITOR_FIELDS.join(', ')}`)
    }
  }
  const stripped = template.replace(PLACEHOLDER, '')
  if (stripped.includes('{{')) problems.push('"{{" is never closed with "}}"')
  else if (stripped.includes('}}')) problems.push('"}}" has no opening "{{"')
  return problems
}

/** ` (did you mean "x"?)` when one known name is within a small edit distance, else ''. */
export function suggestion(name: string, known: Iterable<string>): string {
  let best: string | null = null
  let bestDistance = Infinity
  for (const candidate of known) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase())
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  // One edit per three letters: "refnd" → "refund", but no guessing "b" for a short "c".
  const limit = Math.floor(name.length / 3)
  return best !== null && bestDistance <= limit && bestDistance > 0 ? ` (did you mean "${best}"?)` : ''
}

/** Levenshtein distance where swapping two neighbours counts as one edit ("nmae" → "name"). */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)]
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let d = Math.min((rows[i - 1]?.[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (rows[i - 1]?.[j - 1] ?? 0) + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, (rows[i - 2]?.[j - 2] ?? 0) + 1)
      row.push(d)
    }
    rows.push(row)
  }
  return rows[a.length]?.[b.length] ?? 0
}
