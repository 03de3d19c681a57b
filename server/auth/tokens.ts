import { sign, verify } from 'hono/jwt'
import { JwtTokenExpired } from 'hono/utils/jwt/types'
import * as v from 'valibot'
import { ErrorCode, LIMITS, UserTokenClaimsSchema, type UserTokenClaims } from '../../protocol/index.ts'
import { SERVER_LIMITS } from '../config.ts'

export type VisitorClaims = { sub: string; site: string; typ: 'visitor'; ver: number; iat: number; exp: number }

const VisitorClaimsSchema = v.object({
  sub: v.string(),
  site: v.string(),
  typ: v.literal('visitor'),
  ver: v.number(),
  iat: v.number(),
  exp: v.number(),
})

/** Mints a visitor token (HS256, one year), scoped to one site and one visitor at one token version. */
export function signVisitorToken(key: Uint8Array, visitor: { id: string; site: string; tokenVersion: number }, nowMs: number): Promise<string> {
  const iat = Math.floor(nowMs / 1000)
  const claims: VisitorClaims = { sub: visitor.id, site: visitor.site, typ: 'visitor', ver: visitor.tokenVersion, iat, exp: iat + SERVER_LIMITS.visitorTokenTtlSec }
  return sign(claims, toKey(key), 'HS256')
}

/** Returns the claims of a valid, unexpired visitor token, else null. The caller checks `ver` against the store. */
export async function verifyVisitorToken(key: Uint8Array, token: string, nowMs: number): Promise<VisitorClaims | null> {
  try {
    const payload = await verify(token, toKey(key), { alg: 'HS256', iat: false, exp: false })
    const claims = v.safeParse(VisitorClaimsSchema, payload)
    if (!claims.success || claims.output.exp * 1000 <= nowMs) return null
    return claims.output
  } catch {
    return null
  }
}

export type IdentifyResult =
  | { ok: true; claims: UserTokenClaims }
  | { ok: false; code: typeof ErrorCode.InvalidToken | typeof ErrorCode.ExpiredToken; message: string }

/**
 * Verifies an identify token signed by the site's backend with the site secret: HS256, `exp` required,
 * not past, at most LIMITS.userTokenLifetimeMaxSec ahead. A token signed for another site fails the signature.
 */
export async function verifyUserToken(siteSecret: string, token: string, nowMs: number): Promise<IdentifyResult> {
  let payload: unknown
  try {
    // exp is checked below against our clock so tests and skew rules stay in one place.
    payload = await verify(token, siteSecret, { alg: 'HS256', exp: false, iat: false, nbf: true })
  } catch (error) {
    if (error instanceof JwtTokenExpired) return { ok: false, code: ErrorCode.ExpiredToken, message: 'identify token expired' }
    return { ok: false, code: ErrorCode.InvalidToken, message: 'identify token signature or format is invalid' }
  }
  const parsed = v.safeParse(UserTokenClaimsSchema, payload)
  if (!parsed.success) {
    return { ok: false, code: ErrorCode.InvalidToken, message: `identify token claims: ${parsed.issues[0].message}` }
  }
  const nowSec = Math.floor(nowMs / 1000)
  if (parsed.output.exp <= nowSec) return { ok: false, code: ErrorCode.ExpiredToken, message: 'identify token expired' }
  if (parsed.output.exp > nowSec + LIMITS.userTokenLifetimeMaxSec) {
    return { ok: false, code: ErrorCode.InvalidToken, message: `identify token exp is more than ${LIMITS.userTokenLifetimeMaxSec} s ahead` }
  }
  return { ok: true, claims: parsed.output }
}

/** hono/jwt takes string keys: the derived bytes, base64url-encoded. */
const toKey = (key: Uint8Array): string => Buffer.from(key).toString('base64url')
