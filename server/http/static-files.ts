import { readFile, stat } from 'node:fs/promises'
import { extname, resolve, sep } from 'node:path'

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

/**
 * Reads `rel` under `root`, or null when it is missing, a directory, or would escape `root`
 * (`..`, encoded slashes, absolute paths, NUL bytes).
 */
export async function readStatic(root: string, rel: string): Promise<{ body: Buffer; type: string } | null> {
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
    return { body: await readFile(full), type: contentTypeOf(full) }
  } catch {
    return null
  }
}
