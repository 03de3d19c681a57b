import type { IncomingMessage } from 'node:http'
import type { Context } from 'hono'
import { getCookie } from 'hono/cookie'
import { ErrorCode } from '../../protocol/index.ts'
import { isOwnOrigin, originAllowed } from '../auth/origins.ts'
import { agentFromSession, looksLikeVisitorToken, SESSION_COOKIE, visitorFromToken, type AgentAuth } from '../auth/sessions.ts'
import type { Deps } from '../deps.ts'
import type { RateLimiter } from '../rate-limit.ts'
import type { VisitorRecord } from '../store/store.ts'
import { apiError } from './errors.ts'

export function bearer(c: Context): string | null {
  const header = c.req.header('authorization')
  const match = header?.match(/^Bearer\s+(\S+)$/i)
  return match?.[1] ?? null
}

/** The client's address: the socket's, or the first X-Forwarded-For hop when KEFU_TRUST_PROXY=1. */
export function clientIp(c: Context, deps: Deps): string {
  if (deps.config.trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim()
    if (forwarded) return forwarded
  }
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming
  return incoming?.socket.remoteAddress ?? 'local'
}

export function rateLimit(c: Context, deps: Deps, limiter: RateLimiter, what: string): void {
  if (!limiter.take(`${what}:${clientIp(c, deps)}`, deps.clock.now())) {
    throw apiError(429, ErrorCode.RateLimited, `too many ${what} requests; try again in a minute`)
  }
}

export async function requireVisitor(c: Context, deps: Deps): Promise<VisitorRecord> {
  const token = bearer(c)
  const visitor = token && looksLikeVisitorToken(token) ? await visitorFromToken(deps, token) : null
  if (!visitor) throw apiError(401, ErrorCode.Unauthorized, 'a valid visitor token is required')
  return visitor
}

/**
 * The agent behind the Bearer token or the `kefu_session` cookie. Cookie-authenticated writes must come
 * from Kefu's own origin or an allowed admin portal (the cookie may be SameSite=None inside portals).
 */
export async function requireAgent(c: Context, deps: Deps): Promise<AgentAuth> {
  const token = bearer(c)
  const viaCookie = !token
  const sessionToken = token ?? getCookie(c, SESSION_COOKIE)
  const auth = sessionToken && !looksLikeVisitorToken(sessionToken) ? await agentFromSession(deps, sessionToken) : null
  if (!auth) throw apiError(401, ErrorCode.Unauthorized, 'agent login required')
  if (viaCookie && c.req.method !== 'GET' && c.req.method !== 'HEAD') {
    const origin = c.req.header('origin')
    if (origin && !isOwnOrigin(origin, deps.config.publicUrl, c.req.header('host')) && !originAllowed(origin, deps.config.consoleOrigins)) {
      throw apiError(403, ErrorCode.Forbidden, 'origin not allowed')
    }
  }
  return auth
}
