import { join } from 'node:path'
import { Hono, type Context } from 'hono'
import { sign } from 'hono/jwt'
import { openSecret } from '../auth/secrets.ts'
import type { Deps } from '../deps.ts'
import { parseOriginEntry } from '../auth/origins.ts'
import { createStaticFiles } from './static-files.ts'

export const DEMO_SITE_KEY = 'demo'
/** The demo shop's pretend users, signed in by its pretend backend. */
export const DEMO_USERS: Record<string, { name: string; email: string }> = {
  alice: { name: 'Alice Chen', email: 'alice@example.com' },
  bob: { name: '王小明', email: 'xiaoming@example.com' },
}
const DEMO_TOKEN_TTL_SEC = 600
const CACHE = { widget: 'public, max-age=300', immutable: 'public, max-age=31536000, immutable', page: 'no-cache' } as const
const NOT_BUILT = 'Kefu front-end is not built: run npm run build\n'

const csp = (frameAncestors: readonly string[]): string =>
  [
    "default-src 'self'",
    "connect-src 'self' ws: wss:",
    "img-src 'self' data:",
    "style-src 'self' 'unsafe-inline'",
    `frame-ancestors ${["'self'", ...frameAncestors].join(' ')}`,
  ].join('; ')

/** CSP sources must not carry quotes, spaces or semicolons; anything odd in an allowlist is dropped. */
const safeSources = (list: readonly string[]): string[] => list.flatMap((s) => parseOriginEntry(s) ?? [])

/** /widget.js, /chat, /console and (with the demo on) /demo, from dist/ and demo/. */
export function createBrowserRoutes(deps: Deps): Hono {
  const { distDir, demoDir } = deps.config
  const app = new Hono()

  app.use('*', async (c, next) => {
    await next()
    c.header('X-Content-Type-Options', 'nosniff')
    c.header('Referrer-Policy', 'no-referrer')
  })

  const readStatic = createStaticFiles()
  const file = async (c: Context, root: string, rel: string, cache: string, missing: 404 | 503, extra: Record<string, string> = {}) => {
    const found = await readStatic(root, rel)
    if (!found) return missing === 503 ? c.text(NOT_BUILT, 503) : c.text('Not found\n', 404)
    const headers: Record<string, string> = { 'Content-Type': found.type, 'Cache-Control': cache, ...extra }
    if (!found.gzip) return c.body(found.body, 200, headers)
    headers.Vary = 'Accept-Encoding'
    if (!/\bgzip\b/.test(c.req.header('accept-encoding') ?? '')) return c.body(found.body, 200, headers)
    return c.body(found.gzip, 200, { ...headers, 'Content-Encoding': 'gzip' })
  }

  app.get('/', (c) => c.redirect(deps.config.demo ? '/demo' : '/console', 302))
  app.get('/widget.js', (c) => file(c, distDir, 'widget.js', CACHE.widget, 503))

  app.get('/chat', async (c) => {
    const key = c.req.query('site')
    const site = key ? await deps.store.getSite(key) : null
    if (!site) return c.html('<!doctype html><title>Kefu</title><p>Unknown site.</p>', 404)
    return file(c, join(distDir, 'chat'), 'index.html', CACHE.page, 503, {
      'Content-Security-Policy': csp(safeSources(site.allowedOrigins)),
    })
  })
  app.get('/chat/assets/*', (c) => file(c, join(distDir, 'chat'), c.req.path.slice('/chat'.length), CACHE.immutable, 404))
  app.get('/chat/*', (c) => file(c, join(distDir, 'chat'), c.req.path.slice('/chat'.length), CACHE.page, 404))

  const consoleCsp = csp(safeSources(deps.config.consoleOrigins))
  app.get('/console', (c) => file(c, join(distDir, 'console'), 'index.html', CACHE.page, 503, { 'Content-Security-Policy': consoleCsp }))
  app.get('/console/assets/*', (c) => file(c, join(distDir, 'console'), c.req.path.slice('/console'.length), CACHE.immutable, 404))
  app.get('/console/*', (c) => file(c, join(distDir, 'console'), c.req.path.slice('/console'.length), CACHE.page, 404))

  if (deps.config.demo) {
    app.get('/demo/api/identify-token', async (c) => {
      const user = DEMO_USERS[c.req.query('user') ?? '']
      const site = await deps.store.getSite(DEMO_SITE_KEY)
      if (!user || !site) return c.json({ error: { code: 'not_found', message: 'user must be alice or bob' } }, 404)
      const exp = Math.floor(deps.clock.now() / 1000) + DEMO_TOKEN_TTL_SEC
      const userToken = await sign({ sub: c.req.query('user')!, ...user, exp }, openSecret(deps.keys.siteSecretKey, site.secretEnc), 'HS256')
      c.header('Cache-Control', 'no-store')
      return c.json({ userToken })
    })
    app.get('/demo', (c) => file(c, demoDir, 'index.html', CACHE.page, 404))
    app.get('/demo/*', (c) => {
      const rel = c.req.path.slice('/demo'.length)
      return file(c, demoDir, rel.endsWith('/') ? `${rel}index.html` : rel, CACHE.page, 404)
    })
  }
  return app
}
