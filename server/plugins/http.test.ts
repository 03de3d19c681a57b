import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPluginHttp, PluginHttpError, type PluginHttpErrorCode } from './http.ts'
import { captureLogger, closedPortUrl, serveApp, TRACE_ID, type Served } from './test-support.ts'

const SECRET = 'Bearer s3cret-order-token-never-logged'

type Seen = { path: string; headers: Record<string, string> }

function recordingService(seen: Seen[], other: () => string): Hono {
  const app = new Hono()
  app.use('*', async (c, next) => {
    seen.push({ path: c.req.path, headers: Object.fromEntries(c.req.raw.headers) })
    await next()
  })
  app.get('/ok', (c) => c.json({ ok: true }))
  app.get('/big', (c) => c.body('x'.repeat(300 * 1024)))
  app.get('/big-stream', () => {
    // No content-length: the cap has to hold while reading.
    const chunk = new TextEncoder().encode('y'.repeat(64 * 1024))
    let sent = 0
    return new Response(new ReadableStream({ pull(ctrl) { if (sent++ < 10) ctrl.enqueue(chunk); else ctrl.close() } }))
  })
  app.get('/slow', async (c) => {
    await new Promise((r) => setTimeout(r, 5000))
    return c.json({ late: true })
  })
  app.get('/away', (c) => c.redirect(`${other()}/ok`, 302))
  app.get('/here', (c) => c.redirect('/ok', 301))
  return app
}

async function codeOf(promise: Promise<unknown>): Promise<PluginHttpErrorCode> {
  const error = await promise.then(() => null, (e: unknown) => e)
  expect(error).toBeInstanceOf(PluginHttpError)
  return (error as PluginHttpError).code
}

describe('restricted plugin HTTP', () => {
  const seen: Seen[] = []
  const otherSeen: Seen[] = []
  let service: Served
  let other: Served
  const log = captureLogger()

  beforeAll(async () => {
    other = await serveApp(recordingService(otherSeen, () => other.url))
    service = await serveApp(recordingService(seen, () => other.url))
  })
  afterAll(async () => {
    await service.close()
    await other.close()
  })

  const client = (timeoutMs = 2000) => createPluginHttp({ allowedOrigins: [`${service.url}/orders`], timeoutMs, logger: log.logger })

  it('calls an allowed origin and sends a well-formed traceparent carrying the trace id', async () => {
    const res = await client().request(`${service.url}/ok`, { headers: { authorization: SECRET }, traceId: TRACE_ID })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ok: true })
    const headers = seen.at(-1)!.headers
    expect(headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
    expect(headers.traceparent!.split('-')[1]).toBe(TRACE_ID)
    expect(headers.authorization).toBe(SECRET)
  })

  it('uses a new span id per call and sends no traceparent without a trace id', async () => {
    await client().request(`${service.url}/ok`, { traceId: TRACE_ID })
    await client().request(`${service.url}/ok`, { traceId: TRACE_ID })
    const [a, b] = seen.slice(-2).map((s) => s.headers.traceparent!.split('-')[2])
    expect(a).not.toBe(b)
    await client().request(`${service.url}/ok`)
    expect(seen.at(-1)!.headers.traceparent).toBeUndefined()
  })

  it('refuses another origin (other port, other host, other scheme) without calling it', async () => {
    const before = otherSeen.length
    const http = client()
    expect(await codeOf(http.request(`${other.url}/ok`))).toBe('host_not_allowed')
    expect(await codeOf(http.request(service.url.replace('127.0.0.1', 'localhost') + '/ok'))).toBe('host_not_allowed')
    expect(await codeOf(http.request(service.url.replace('http:', 'https:') + '/ok'))).toBe('host_not_allowed')
    expect(await codeOf(http.request('file:///etc/passwd'))).toBe('host_not_allowed')
    expect(otherSeen.length).toBe(before)
  })

  it('does not follow redirects: to another origin is host_not_allowed (never called), to itself is an error too', async () => {
    const before = otherSeen.length
    expect(await codeOf(client().request(`${service.url}/away`))).toBe('host_not_allowed')
    expect(otherSeen.length).toBe(before)
    const calls = seen.length
    expect(await codeOf(client().request(`${service.url}/here`))).toBe('redirect')
    expect(seen.length).toBe(calls + 1) // /here only, never /ok
  })

  it('times out within the timeout (plus a small margin) instead of hanging', async () => {
    const started = performance.now()
    expect(await codeOf(client(300).request(`${service.url}/slow`))).toBe('timeout')
    const took = performance.now() - started
    expect(took).toBeGreaterThanOrEqual(290)
    expect(took).toBeLessThan(300 + 400)
  })

  it('a per-call timeout overrides the client default', async () => {
    const started = performance.now()
    expect(await codeOf(client(4000).request(`${service.url}/slow`, { timeoutMs: 200 }))).toBe('timeout')
    expect(performance.now() - started).toBeLessThan(200 + 400)
  })

  it('reports a closed port as unreachable', async () => {
    const dead = await closedPortUrl()
    const http = createPluginHttp({ allowedOrigins: [dead], logger: log.logger })
    expect(await codeOf(http.request(`${dead}/orders/1`))).toBe('unreachable')
  })

  it('caps response bodies at 256 KB, declared or streamed', async () => {
    expect(await codeOf(client().request(`${service.url}/big`))).toBe('too_large')
    expect(await codeOf(client().request(`${service.url}/big-stream`))).toBe('too_large')
  })

  it('refuses calls after close()', async () => {
    const http = client()
    http.close()
    expect(await codeOf(http.request(`${service.url}/ok`))).toBe('unreachable')
  })

  it('logs method, origin+path, status and duration, but never headers or query strings', async () => {
    await client().request(`${service.url}/ok?token=query-secret`, { headers: { authorization: SECRET, 'x-api-key': 'key-secret' }, traceId: TRACE_ID })
    const text = log.text()
    expect(text).not.toContain('s3cret-order-token')
    expect(text).not.toContain('key-secret')
    expect(text).not.toContain('query-secret')
    const line = log.lines().filter((l) => l.msg === 'plugin call').at(-1)!
    expect(line).toMatchObject({ method: 'GET', url: `${service.url}/ok`, status: 200, trace: TRACE_ID })
    expect(typeof line.ms).toBe('number')
    const failure = log.lines().find((l) => l.msg === 'plugin call failed' && l.code === 'timeout')
    expect(failure).toMatchObject({ method: 'GET', url: `${service.url}/slow` })
  })
})
