import { createHmac, timingSafeEqual } from 'node:crypto'
import { verify } from 'hono/jwt'
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

/** Every visitor token has this JWT header. */
const VISITOR_HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url')

/**
 * HS256 with node:crypto, synchronously: visitor tokens are signed on every session and verified on every
 * socket `hello`, and WebCrypto (hono/jwt) imports the key and hops to the thread pool each time (it was
 * about a tenth of the server's CPU while thousands of visitors connected). Same tokens as hono/jwt.
 */
const hs256 = (key: Uint8Array, body: string): string => createHmac('sha256', toKey(key)).update(body).digest('base64url')

/** Mints a visitor token (HS256, one year), scoped to one site and one visitor at one token version. */
export async function signVisitorToken(key: Uint8Array, visitor: { id: string; site: string; tokenVersion: number }, nowMs: number): Promise<string> {
  const iat = Math.floor(nowMs / 1000)
  const claims: VisitorClaims = { sub: visitor.id, site: visitor.site, typ: 'visitor', ver: visitor.tokenVersion, iat, exp: iat + SERVER_LIMITS.visitorTokenTtlSec }
  const body = `${VISITOR_HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`
  return `${body}.${hs256(key, body)}`
}

/** Returns the claims of a valid, unexpired visitor token, else null. The caller checks `ver` against the store. */
export async function verifyVisitorToken(key: Uint8Array, token: string, nowMs: number): Promise<VisitorClaims | null> {
  const [header, payload, signature, extra] = token.split('.')
  if (header === undefined || payload === undefined || signature === undefined || extra !== undefined) return null
  const expected = Buffer.from(hs256(key, `${header}.${payload}`))
  const given = Buffer.from(signature)
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null
  try {
    const alg = (JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: unknown }).alg
    if (alg !== 'HS256') return null
    const claims = v.safeParse(VisitorClaimsSchema, JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')))
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
