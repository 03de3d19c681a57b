import * as v from 'valibot'
import type { Bilingual, Lang } from '../bot/template.ts'
import type { ActionContext } from '../bot/types.ts'

/** Options shared by plugins that call one company service: where, how to authenticate, how long to wait. */
export const SERVICE_LIMITS = { defaultTimeoutMs: 3000, minTimeoutMs: 100, maxTimeoutMs: 30_000, maxAuthHeader: 4096 } as const

export const serviceOptions = {
  url: v.pipe(
    v.string(),
    v.url('must be a URL'),
    v.check((u) => /^https?:\/\//i.test(u), 'must be an http:// or https:// URL'),
    v.check((u) => URL.canParse(u) && new URL(u).username === '' && new URL(u).password === '', 'must not carry user:password (use authHeader)'),
  ),
  authHeader: v.optional(
    v.pipe(v.string(), v.minLength(1), v.maxLength(SERVICE_LIMITS.maxAuthHeader), v.check((h) => !/[\r\n]/.test(h), 'must be one line')),
  ),
  timeoutMs: v.optional(
    v.pipe(v.number('must be a number of milliseconds'), v.integer(), v.minValue(SERVICE_LIMITS.minTimeoutMs), v.maxValue(SERVICE_LIMITS.maxTimeoutMs)),
    SERVICE_LIMITS.defaultTimeoutMs,
  ),
}


const LocalizedArg = v.union([v.string(), v.object({ zh: v.string(), en: v.string() })])

/**
 * A reply template for `key`: the script's override in `ctx.args[key]` (a string, or `{ zh, en }`) or the
 * plugin's default, in the visitor's language. Templates stay templates: the engine renders `{{vars.x}}`.
 */
export function replyText(ctx: ActionContext, key: string, fallback: Bilingual, lang: Lang): string {
  const given = ctx.args[key]
  if (given !== undefined) {
    const parsed = v.safeParse(LocalizedArg, given)
    if (parsed.success) return typeof parsed.output === 'string' ? parsed.output : parsed.output[lang]
    ctx.logger.warn({ arg: key }, 'reply override must be a string or { zh, en }; default used')
  }
  return fallback[lang]
}

/** Values from outside are put in replies only through `vars`; braces are dropped so they cannot smuggle in template syntax. */
export const plainVar = (value: unknown, max = 200): string => (typeof value === 'string' || typeof value === 'number' ? String(value).replace(/[{}]/g, '').slice(0, max) : '')
