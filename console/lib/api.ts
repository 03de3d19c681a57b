import * as v from 'valibot'
import { ErrorCode, type ScriptErrorBody } from '../../protocol/index.ts'
import { ScriptErrorsSchema } from './schemas.ts'

/**
 * The console's REST client: same-origin fetch with the session cookie, JSON in and out, responses
 * checked against the protocol's schemas (the server is a trust boundary for us too). Never throws.
 */
export type ApiError = {
  /** HTTP status, or 0 when the request never got an answer. */
  status: number
  code: ErrorCode | 'network' | 'bad_response'
  message: string
  /** From `Retry-After` on 429. */
  retryAfterSec: number | null
  /** Line-numbered problems of a refused bot script (422 `invalid_script`), else empty. */
  scriptErrors: readonly ScriptErrorBody[]
}
export type ApiResult<T> = { ok: true; data: T } | { ok: false; error: ApiError }

type Options<T> = {
  method?: 'GET' | 'POST' | 'PUT'
  body?: unknown
  schema: v.GenericSchema<unknown, T>
  /** Skip the session-lost hook: for `/agent/me` and `/agent/login`, where 401 is an answer. */
  expect401?: boolean
}

let onUnauthorized: () => void = () => {}
/** Called when any authenticated request gets 401: the session is gone (expired, logged out elsewhere). */
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn
}

const ErrorBodySchema = v.object({
  error: v.object({ code: v.picklist(Object.values(ErrorCode)), message: v.string() }),
  errors: v.optional(ScriptErrorsSchema),
})

function retryAfter(res: Response): number | null {
  const raw = res.headers.get('retry-after')
  if (!raw) return null
  const secs = Number(raw)
  if (Number.isFinite(secs)) return Math.max(0, Math.ceil(secs))
  const at = Date.parse(raw)
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000))
}

export async function api<T>(path: string, opts: Options<T>): Promise<ApiResult<T>> {
  let res: Response
  const writes = opts.method === 'POST' || opts.method === 'PUT'
  try {
    res = await fetch(`/api${path}`, {
      method: opts.method ?? 'GET',
      credentials: 'same-origin',
      // A JSON content type on every write also makes cross-site form posts impossible without CORS.
      headers: writes ? { 'content-type': 'application/json', accept: 'application/json' } : { accept: 'application/json' },
      body: writes ? JSON.stringify(opts.body ?? {}) : undefined,
    })
  } catch (err) {
    return { ok: false, error: { status: 0, code: 'network', message: String(err), retryAfterSec: null, scriptErrors: [] } }
  }
  let json: unknown = null
  try {
    json = await res.json()
  } catch {
    /* empty or non-JSON body: judged below by status */
  }
  if (!res.ok) {
    const parsed = v.safeParse(ErrorBodySchema, json)
    const error: ApiError = {
      status: res.status,
      code: parsed.success ? parsed.output.error.code : fallbackCode(res.status),
      message: parsed.success ? parsed.output.error.message : res.statusText,
      retryAfterSec: retryAfter(res),
      scriptErrors: parsed.success ? (parsed.output.errors ?? []) : [],
    }
    if (res.status === 401 && !opts.expect401) onUnauthorized()
    return { ok: false, error }
  }
  const parsed = v.safeParse(opts.schema, json)
  if (!parsed.success) {
    return {
      ok: false,
      error: { status: res.status, code: 'bad_response', message: v.summarize(parsed.issues), retryAfterSec: null, scriptErrors: [] },
    }
  }
  return { ok: true, data: parsed.output }
}

function fallbackCode(status: number): ErrorCode {
  if (status === 401) return ErrorCode.Unauthorized
  if (status === 403) return ErrorCode.Forbidden
  if (status === 404) return ErrorCode.NotFound
  if (status === 413) return ErrorCode.TooLarge
  if (status === 429) return ErrorCode.RateLimited
  if (status >= 400 && status < 500) return ErrorCode.BadRequest
  return ErrorCode.Internal
}
