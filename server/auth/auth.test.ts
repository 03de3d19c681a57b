import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sign } from 'hono/jwt'
import { describe, expect, it } from 'vitest'
import { hashPassword, verifyPassword } from './password.ts'
import { deriveKeys, loadServerSecret, openSecret, sealSecret } from './secrets.ts'
import { signVisitorToken, verifyUserToken, verifyVisitorToken } from './tokens.ts'

const NOW = 1_700_000_000_000
const nowSec = NOW / 1000

describe('passwords', () => {
  it('hashes with scrypt and verifies', async () => {
    const hash = await hashPassword('correct horse')
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/)
    expect(await verifyPassword('correct horse', hash)).toBe(true)
    expect(await verifyPassword('wrong', hash)).toBe(false)
    expect(await verifyPassword('x', 'garbage')).toBe(false)
    expect(await hashPassword('correct horse')).not.toBe(hash) // salted
  })
})

describe('secrets', () => {
  it('generates secret.key once with mode 0600', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kefu-secret-'))
    const a = loadServerSecret(dir, null)
    expect(loadServerSecret(dir, null)).toBe(a)
    expect(statSync(join(dir, 'secret.key')).mode & 0o777).toBe(0o600)
    expect(loadServerSecret(dir, 'from-env')).toBe('from-env')
    rmSync(dir, { recursive: true, force: true })
  })

  it('seals site secrets with AES-GCM (tamper detected)', () => {
    const { siteSecretKey } = deriveKeys('s3cret')
    const sealed = sealSecret(siteSecretKey, 'site-secret')
    expect(sealed).not.toContain('site-secret')
    expect(openSecret(siteSecretKey, sealed)).toBe('site-secret')
    expect(() => openSecret(deriveKeys('other').siteSecretKey, sealed)).toThrow()
    const parts = sealed.split('.')
    parts[3] = Buffer.from('site-secreX').toString('base64url')
    expect(() => openSecret(siteSecretKey, parts.join('.'))).toThrow()
  })
})

describe('visitor tokens', () => {
  const { visitorJwt } = deriveKeys('k')
  it('round-trips and refuses other keys, expiry and garbage', async () => {
    const token = await signVisitorToken(visitorJwt, { id: 'v_1', site: 'demo', tokenVersion: 3 }, NOW)
    expect(await verifyVisitorToken(visitorJwt, token, NOW)).toMatchObject({ sub: 'v_1', site: 'demo', ver: 3, typ: 'visitor' })
    expect(await verifyVisitorToken(deriveKeys('other').visitorJwt, token, NOW)).toBeNull()
    expect(await verifyVisitorToken(visitorJwt, token, NOW + 366 * 24 * 3600_000)).toBeNull()
    expect(await verifyVisitorToken(visitorJwt, 'a.b.c', NOW)).toBeNull()
  })

  it('are the JWTs hono/jwt made, so tokens issued before the node:crypto signer stay valid', async () => {
    const key = Buffer.from(visitorJwt).toString('base64url')
    const claims = { sub: 'v_1', site: 'demo', typ: 'visitor', ver: 3, iat: nowSec, exp: nowSec + 365 * 24 * 3600 }
    const hono = await sign(claims, key, 'HS256')
    expect(await signVisitorToken(visitorJwt, { id: 'v_1', site: 'demo', tokenVersion: 3 }, NOW)).toBe(hono)
    expect(await verifyVisitorToken(visitorJwt, hono, NOW)).toMatchObject({ sub: 'v_1', ver: 3 })
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${hono.split('.')[1]}.`
    expect(await verifyVisitorToken(visitorJwt, none, NOW)).toBeNull()
    expect(await verifyVisitorToken(visitorJwt, `${hono}.x`, NOW)).toBeNull()
  })
})

describe('identify tokens', () => {
  const secret = 'site-secret'
  it('accepts a valid token', async () => {
    const t = await sign({ sub: 'u1', name: 'Ann', exp: nowSec + 600 }, secret, 'HS256')
    expect(await verifyUserToken(secret, t, NOW)).toEqual({ ok: true, claims: { sub: 'u1', name: 'Ann', exp: nowSec + 600 } })
  })
  it.each([
    ['bad signature', () => sign({ sub: 'u1', exp: nowSec + 600 }, 'other-secret', 'HS256'), 'invalid_token'],
    ['expired', () => sign({ sub: 'u1', exp: nowSec - 1 }, secret, 'HS256'), 'expired_token'],
    ['no exp', () => sign({ sub: 'u1' }, secret, 'HS256'), 'invalid_token'],
    ['exp too far', () => sign({ sub: 'u1', exp: nowSec + 25 * 3600 }, secret, 'HS256'), 'invalid_token'],
    ['no sub', () => sign({ exp: nowSec + 60 }, secret, 'HS256'), 'invalid_token'],
    ['other alg', () => sign({ sub: 'u1', exp: nowSec + 60 }, secret, 'HS512'), 'invalid_token'],
  ])('refuses %s', async (_name, make, code) => {
    const result = await verifyUserToken(secret, await make(), NOW)
    expect(result).toMatchObject({ ok: false, code })
  })
  it('refuses alg none', async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
    const t = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'u1', exp: nowSec + 60 })}.`
    expect(await verifyUserToken(secret, t, NOW)).toMatchObject({ ok: false, code: 'invalid_token' })
  })
})
