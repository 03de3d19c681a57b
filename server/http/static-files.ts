import { readFile, stat } from 'node:fs/promises'
import { extname, resolve, sep } from 'node:path'
import { gzipSync } from 'node:zlib'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'application/javascript; charset=utf-8',
  '.mjs': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
}

export const contentTypeOf = (path: string): string => CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream'

/** Text types are sent gzipped to clients that accept it (the size budgets are gzip sizes). */
const COMPRESSIBLE = /^(text\/|application\/(javascript|json|manifest)|image\/svg)/

export type StaticFile = { body: Uint8Array<ArrayBuffer>; gzip: Uint8Array<ArrayBuffer> | null; type: string }

/**
 * Files under a root, each read and gzipped (level 9) once and kept in memory; a file is read again only
 * when its mtime changes (a rebuild while the server runs). Missing files, directories and paths that
 * would escape the root (`..`, encoded slashes, absolute paths, NUL bytes) give null.
 */
export function createStaticFiles(): (root: string, rel: string) => Promise<StaticFile | null> {
  const cache = new Map<string, StaticFile & { mtimeMs: number }>()
  return async (root, rel) => {
    let decoded: string
    try {
      decoded = decodeURIComponent(rel)
    } catch {
      return null
    }
    if (decoded.includes('\0') || decoded.includes('\\')) return null
    const base = resolve(root)
    const full = resolve(base, `.${decoded.startsWith('/') ? '' : '/'}${decoded}`)
    if (full !== base && !full.startsWith(base + sep)) return null
    try {
      const info = await stat(full)
      if (!info.isFile()) return null
      const cached = cache.get(full)
      if (cached?.mtimeMs === info.mtimeMs) return cached
      const raw = await readFile(full)
      const type = contentTypeOf(full)
      const gzip = COMPRESSIBLE.test(type) ? new Uint8Array(gzipSync(raw, { level: 9 })) : null
      const entry = { body: new Uint8Array(raw), gzip, type, mtimeMs: info.mtimeMs }
      cache.set(full, entry)
      return entry
    } catch {
      return null
    }
  }
}
