import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const SECRET_FILE = 'secret.key'
const IV_BYTES = 12

/** Keys derived from the one server secret, each for one purpose. */
export type ServerKeys = {
  /** HS256 key for visitor tokens. */
  visitorJwt: Uint8Array
  /** AES-256-GCM key for site secrets at rest. */
  siteSecretKey: Buffer
}

/** KEFU_SECRET, else DATA_DIR/secret.key (generated on first start, mode 0600). */
export function loadServerSecret(dataDir: string, fromEnv: string | null): string {
  if (fromEnv) return fromEnv
  const file = join(dataDir, SECRET_FILE)
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  mkdirSync(dataDir, { recursive: true })
  const secret = randomBytes(32).toString('base64url')
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' })
  chmodSync(file, 0o600)
  return secret
}

export function deriveKeys(secret: string): ServerKeys {
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', secret, 'kefu', info, 32))
  return { visitorJwt: derive('visitor-jwt'), siteSecretKey: derive('site-secret-at-rest') }
}

/** Encrypts a site secret for storage: `v1.iv.tag.ciphertext` (base64url). */
export function sealSecret(key: Buffer, clear: string): string {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  const ct = Buffer.concat([cipher.update(clear, 'utf8'), cipher.final()])
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.')
}

export function openSecret(key: Buffer, sealed: string): string {
  const [version, iv, tag, ct] = sealed.split('.')
  if (version !== 'v1' || !iv || !tag || ct === undefined) throw new Error('malformed sealed secret')
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'))
  decipher.setAuthTag(Buffer.from(tag, 'base64url'))
  return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8')
}

/** A new random site secret (the site's backend signs identify tokens with it). */
export const newSiteSecret = (): string => randomBytes(32).toString('base64url')
