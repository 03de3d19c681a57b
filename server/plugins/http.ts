import { randomBytes } from 'node:crypto'
import type { Logger } from 'pino'

/** Stable codes, so callers and logs can tell why a call failed. */
export const PluginHttpErrorCode = {
  hostNotAllowed: 'host_not_allowed',
  timeout: 'timeout',
  unreachable: 'unreachable',
  tooLarge: 'too_large',
  redirect: 'redirect',
} as const
export type PluginHttpErrorCode = (typeof PluginHttpErrorCode)[keyof typeof PluginHttpErrorCode]

export class PluginHttpError extends Error {
  readonly code: PluginHttpErrorCode
  constructor(code: PluginHttpErrorCode, message: string) {
    super(message)
    this.name = 'PluginHttpError'
    this.code = code
  }
}

export const PLUGIN_HTTP_LIMITS = {
  /** Bodies are buffered before the plugin sees them; a plugin has no business reading more than this. */
  maxResponseBytes: 256 * 1024,
  defaultTimeoutMs: 10_000,
} as const

export type PluginRequestInit = RequestInit & {
  /** W3C trace id (32 hex): sent as `traceparent` so the other side can follow the conversation's chain of events. */
  traceId?: string
  /** Overrides the client's timeout for this call. */
  timeoutMs?: number
}

export type PluginHttp = {
  /** Like `fetch`, but only to allowed origins, with a timeout, no redirects and a capped, fully read body. */
  request(url: string | URL, init?: PluginRequestInit): Promise<Response>
  /** Aborts calls in flight and refuses new ones (server shutdown). */
  close(): void
}

const TRACE_ID = /^[0-9a-f]{32}$/

/** Lower-cased `scheme://host:port` of a URL, as `URL.origin` gives it (default ports dropped). */
export function originOf(url: string | URL): string | null {
  try {
    const parsed = new URL(url)
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : null
  } catch {
    return null
  }
}

export function createPluginHttp(options: {
  allowedOrigins: readonly string[]
  timeoutMs?: number
  maxResponseBytes?: number
  logger: Logger
}): PluginHttp {
  const allowed = new Set(options.allowedOrigins.map((o) => originOf(o)).filter((o): o is string => o !== null))
  const maxBytes = options.maxResponseBytes ?? PLUGIN_HTTP_LIMITS.maxResponseBytes
  const closing = new AbortController()
  const { logger } = options

  async function request(input: string | URL, init: PluginRequestInit = {}): Promise<Response> {
    const { traceId, timeoutMs = options.timeoutMs ?? PLUGIN_HTTP_LIMITS.defaultTimeoutMs, ...rest } = init
    const url = new URL(input)
    const method = (rest.method ?? 'GET').toUpperCase()
    // Logged instead of the full URL: query strings sometimes carry tokens.
    const where = `${url.origin}${url.pathname}`
    const log = logger.child(traceId ? { trace: traceId } : {})
    const started = performance.now()
    const ms = () => Math.round(performance.now() - started)
    const fail = (code: PluginHttpErrorCode, message: string, status?: number): never => {
      log.warn({ method, url: where, status, ms: ms(), code }, 'plugin call failed')
      throw new PluginHttpError(code, message)
    }

    if (closing.signal.aborted) fail('unreachable', 'plugin http client is closed')
    const origin = originOf(url)
    if (origin === null || !allowed.has(origin)) fail('host_not_allowed', `${origin ?? url.protocol} is not an allowed origin for this plugin`)

    const headers = new Headers(rest.headers)
    if (traceId !== undefined) {
      if (TRACE_ID.test(traceId) && !/^0+$/.test(traceId)) headers.set('traceparent', `00-${traceId}-${randomBytes(8).toString('hex')}-01`)
      else log.warn({ traceId }, 'malformed trace id not sent')
    }
    const timeout = AbortSignal.timeout(timeoutMs)
    const signals = [timeout, closing.signal, ...(rest.signal ? [rest.signal] : [])]
    const signal = AbortSignal.any(signals)

    let response: Response
    try {
      response = await fetch(url, { ...rest, method, headers, signal, redirect: 'manual' })
    } catch (error) {
      if (timeout.aborted) return fail('timeout', `no answer within ${timeoutMs} ms`)
      return fail('unreachable', `cannot reach ${url.origin}: ${causeOf(error)}`)
    }

    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => {})
      const location = response.headers.get('location')
      const target = location ? originOf(new URL(location, url)) : null
      // Never followed: a redirect to another host would bypass the allowlist.
      if (target !== null && !allowed.has(target)) fail('host_not_allowed', `redirect to ${target} refused`, response.status)
      fail('redirect', `redirect (${response.status}) not followed`, response.status)
    }

    const declared = Number(response.headers.get('content-length') ?? '0')
    if (declared > maxBytes) {
      await response.body?.cancel().catch(() => {})
      fail('too_large', `response of ${declared} bytes is over ${maxBytes}`, response.status)
    }
    let body: Uint8Array<ArrayBuffer>
    try {
      body = await readCapped(response, maxBytes)
    } catch (error) {
      if (error instanceof PluginHttpError) return fail(error.code, error.message, response.status)
      if (timeout.aborted) return fail('timeout', `body not read within ${timeoutMs} ms`, response.status)
      return fail('unreachable', `connection to ${url.origin} broke: ${causeOf(error)}`, response.status)
    }
    log.info({ method, url: where, status: response.status, ms: ms(), bytes: body.byteLength }, 'plugin call')
    const nullBody = response.status === 204 || response.status === 304
    return new Response(nullBody ? null : body, { status: response.status, statusText: response.statusText, headers: response.headers })
  }

  return { request, close: () => closing.abort() }
}

async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  if (!response.body) return new Uint8Array(0)
  const chunks: Uint8Array[] = []
  let total = 0
  const reader = response.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > maxBytes) {
      await reader.cancel().catch(() => {})
      throw new PluginHttpError('too_large', `response is over ${maxBytes} bytes`)
    }
    chunks.push(value)
  }
  const out = new Uint8Array(total)
  let at = 0
  for (const chunk of chunks) {
    out.set(chunk, at)
    at += chunk.byteLength
  }
  return out
}

/** undici's `fetch failed` hides the reason (ECONNREFUSED, ENOTFOUND...) in `cause`. */
function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error))
}
