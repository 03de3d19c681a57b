/**
 * Origin allowlists. An entry is an origin (`https://shop.example`) or an origin with `*` as the port
 * (`http://localhost:*`), which matches that scheme and host on any port.
 */
export function originAllowed(origin: string, allowlist: readonly string[]): boolean {
  let parsed: URL
  try {
    parsed = new URL(origin)
  } catch {
    return false
  }
  for (const entry of allowlist) {
    if (entry.endsWith(':*')) {
      const base = entry.slice(0, -2)
      if (`${parsed.protocol}//${parsed.hostname}` === base || `${parsed.protocol}//${parsed.host}` === base) return true
      continue
    }
    try {
      if (new URL(entry).origin === parsed.origin) return true
    } catch {
      // A malformed entry matches nothing.
    }
  }
  return false
}

const ORIGIN_ENTRY = /^https?:\/\/([a-z0-9.-]+|\[[0-9a-f:]+\])(:(\d{1,5}|\*))?$/

/** A well-formed allowlist entry (it ends up in a CSP header, so nothing else may pass), lower-cased, or null. */
export function parseOriginEntry(entry: string): string | null {
  const e = entry.trim().toLowerCase().replace(/\/$/, '')
  return ORIGIN_ENTRY.test(e) ? e : null
}

/** Kefu's own origin: the public URL's, or the one the request's Host header names (same host, any scheme). */
export function isOwnOrigin(origin: string, publicUrl: string, host: string | undefined): boolean {
  try {
    const o = new URL(origin)
    if (o.origin === new URL(publicUrl).origin) return true
    return host !== undefined && o.host === host && (o.protocol === 'http:' || o.protocol === 'https:')
  } catch {
    return false
  }
}
