import { createHmac } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { get } from 'node:http'
import { gunzipSync } from 'node:zlib'
import { join } from 'node:path'
import { sign } from 'hono/jwt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CloseCode, LIMITS, type VisitorSessionResponse } from '../../protocol/index.ts'
import {
  ADMIN,
  addSite,
  api,
  demoSecret,
  login,
  newVisitor,
  startTestServer,
  visitorSocket,
  type TestServer,
} from '../test-helpers.ts'

let server: TestServer
const nowSec = () => Math.floor(Date.now() / 1000)
type ErrorBody = { error: { code: string; message: string } }

beforeAll(async () => {
  server = await startTestServer()
  mkdirSync(join(server.dir, 'demo'), { recursive: true })
  writeFileSync(join(server.dir, 'demo', 'index.html'), '<!doctype html><title>Demo Shop</title>')
  server.config.demoDir = join(server.dir, 'demo')
})
afterAll(() => server.stop())

const identify = (token: string, userToken: string) =>
  api<VisitorSessionResponse & ErrorBody>(server, '/api/visitor/identify', { method: 'POST', token, json: { userToken } })

describe('probes and errors', () => {
  it('answers /healthz, /readyz, /metrics', async () => {
    expect((await api(server, '/healthz')).status).toBe(200)
    expect((await api(server, '/readyz')).status).toBe(200)
    const metrics = await api<string>(server, '/metrics')
    expect(metrics.headers.get('content-type')).toContain('text/plain')
  })

  it('answers unknown API routes, bad bodies and big bodies with the JSON error body', async () => {
    expect(await api(server, '/api/nope')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } })
    expect(await api(server, '/api/visitor/session', { method: 'POST', body: '{', headers: { 'content-type': 'application/json' } })).toMatchObject({
      status: 400, body: { error: { code: 'bad_request' } },
    })
    expect(await api(server, '/api/visitor/session', { method: 'POST', json: { site: 'BAD KEY' } })).toMatchObject({ status: 400, body: { error: { code: 'bad_request' } } })
    expect(await api(server, '/api/visitor/session', { method: 'POST', json: { site: 'demo', pad: 'x'.repeat(70_000) } })).toMatchObject({
      status: 413, body: { error: { code: 'too_large' } },
    })
  })
})

describe('visitor REST', () => {
  it('serves the public site and mints / refreshes visitor sessions', async () => {
    expect((await api(server, '/api/sites/demo/public')).body).toEqual({ site: { key: 'demo', name: 'Demo Shop', color: '#2563eb', greeting: null } })
    expect((await api(server, '/api/sites/nope/public')).status).toBe(404)
    const first = await newVisitor(server)
    expect(first.visitor).toMatchObject({ site: 'demo', userId: null, attributes: {} })
    const again = await api<VisitorSessionResponse>(server, '/api/visitor/session', { method: 'POST', json: { site: 'demo', token: first.token } })
    expect(again.body.visitor.id).toBe(first.visitor.id)
    const garbage = await api<VisitorSessionResponse>(server, '/api/visitor/session', { method: 'POST', json: { site: 'demo', token: 'x.y.z' } })
    expect(garbage.body.visitor.id).not.toBe(first.visitor.id)
    await addSite(server, 'elsewhere')
    const otherSite = await api<VisitorSessionResponse>(server, '/api/visitor/session', { method: 'POST', json: { site: 'elsewhere', token: first.token } })
    expect(otherSite.body.visitor.id).not.toBe(first.visitor.id)
    expect((await api(server, '/api/visitor/session', { method: 'POST', json: { site: 'nope' } })).status).toBe(404)
  })

  it('merges attributes within limits and requires a token', async () => {
    const { token } = await newVisitor(server)
    expect((await api(server, '/api/visitor/attributes', { method: 'POST', json: { attributes: { plan: 'pro' } } })).status).toBe(401)
    await api(server, '/api/visitor/attributes', { method: 'POST', token, json: { attributes: { plan: 'pro', seats: 3 } } })
    const res = await api<{ visitor: { attributes: object } }>(server, '/api/visitor/attributes', { method: 'POST', token, json: { attributes: { plan: 'team' } } })
    expect(res.body.visitor.attributes).toEqual({ plan: 'team', seats: 3 })
    const many = Object.fromEntries(Array.from({ length: LIMITS.attributesMax }, (_, i) => [`k${i}`, i]))
    expect((await api(server, '/api/visitor/attributes', { method: 'POST', token, json: { attributes: many } })).status).toBe(400)
  })
})

describe('identify', () => {
  it.each([
    ['a forged signature', async () => sign({ sub: 'mallory', exp: nowSec() + 600 }, 'not-the-secret', 'HS256'), 'invalid_token'],
    ['an expired token', async () => sign({ sub: 'alice', exp: nowSec() - 10 }, await demoSecret(server), 'HS256'), 'expired_token'],
    ['a token without exp', async () => sign({ sub: 'alice' }, await demoSecret(server), 'HS256'), 'invalid_token'],
    ['exp too far ahead', async () => sign({ sub: 'alice', exp: nowSec() + LIMITS.userTokenLifetimeMaxSec + 60 }, await demoSecret(server), 'HS256'), 'invalid_token'],
    ['another site’s token', async () => sign({ sub: 'alice', exp: nowSec() + 600 }, await addSite(server, `site-${Math.random().toString(36).slice(2, 8)}`), 'HS256'), 'invalid_token'],
  ])('refuses %s and changes nothing', async (_name, make, code) => {
    const session = await newVisitor(server)
    const res = await identify(session.token, await make())
    expect(res.status).toBe(401)
    expect(res.body.error.code).toBe(code)
    const visitor = await server.deps.store.getVisitor(session.visitor.id)
    expect(visitor).toMatchObject({ userId: null, tokenVersion: 0 })
    expect((await api(server, '/api/visitor/conversations', { token: session.token })).status).toBe(200)
  })

  it('links the visitor, rotates its token and closes its sockets', async () => {
    const session = await newVisitor(server)
    const { client } = await visitorSocket(server, session.token)
    const userToken = await sign({ sub: 'carol', name: 'Carol', email: 'carol@example.com', exp: nowSec() + 600 }, await demoSecret(server), 'HS256')
    const res = await identify(session.token, userToken)
    expect(res.status).toBe(200)
    expect(res.body.visitor).toMatchObject({ id: session.visitor.id, userId: 'carol', name: 'Carol', email: 'carol@example.com' })
    expect(res.body.token).not.toBe(session.token)
    expect((await client.closed).code).toBe(CloseCode.Unauthorized)
    expect((await api(server, '/api/visitor/conversations', { token: session.token })).status).toBe(401)
    expect((await api(server, '/api/visitor/conversations', { token: res.body.token })).status).toBe(200)
  })

  it('accepts a token signed the way the root README shows, with no JWT library', async () => {
    // The README's example, verbatim: what a site owner copies into their backend.
    function kefuToken(user: { id: string; name: string; email: string }, siteSecret: string) {
      const b64 = (obj: object) => Buffer.from(JSON.stringify(obj)).toString('base64url')
      const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({
        sub: String(user.id), name: user.name, email: user.email,
        exp: Math.floor(Date.now() / 1000) + 600,
      })}`
      return `${body}.${createHmac('sha256', siteSecret).update(body).digest('base64url')}`
    }
    const session = await newVisitor(server)
    const res = await identify(session.token, kefuToken({ id: 'u-42', name: '李雷', email: 'lilei@example.com' }, await demoSecret(server)))
    expect(res.status).toBe(200)
    expect(res.body.visitor).toMatchObject({ userId: 'u-42', name: '李雷' })
  })

  it('merges a second device into the known user’s visitor', async () => {
    const secret = await demoSecret(server)
    const userToken = () => sign({ sub: 'dave', name: 'Dave', exp: nowSec() + 600 }, secret, 'HS256')
    // Device 1: identified, with an open conversation.
    const d1 = await newVisitor(server)
    const id1 = await identify(d1.token, await userToken())
    const s1 = await visitorSocket(server, id1.body.token)
    s1.client.send({ type: 'send', id: 'r', cid: 'd1-1', text: 'from laptop' })
    const conv1 = (await s1.client.next('ack')).conv
    // Device 2: anonymous, with its own open conversation.
    const d2 = await newVisitor(server)
    const s2 = await visitorSocket(server, d2.token)
    s2.client.send({ type: 'send', id: 'r', cid: 'd2-1', text: 'from phone' })
    const conv2 = (await s2.client.next('ack')).conv

    const merged = await identify(d2.token, await userToken())
    expect(merged.status).toBe(200)
    expect(merged.body.visitor.id).toBe(d1.visitor.id)
    expect((await s2.client.closed).code).toBe(CloseCode.Unauthorized)
    expect((await api(server, '/api/visitor/conversations', { token: d2.token })).status).toBe(401)
    // Device 1 stays signed in and now sees both conversations; the phone's one was resolved.
    const list = await api<{ conversations: { id: string; status: string }[] }>(server, '/api/visitor/conversations', { token: id1.body.token })
    expect(list.body.conversations.map((c) => [c.id, c.status]).sort()).toEqual([[conv1, 'open'], [conv2, 'resolved']].sort())
    const moved = await s1.client.next('conversation', (f) => f.conversation.id === conv2)
    expect(moved.conversation.visitorId).toBe(d1.visitor.id)
    const history = await api<{ messages: { text: string }[] }>(server, `/api/conversations/${conv2}/messages`, { token: merged.body.token })
    expect(history.body.messages.map((m) => m.text)).toEqual(['from phone'])
    s1.client.close()
  })

  it('gives a different user on the same device a fresh visitor, carrying nothing over', async () => {
    const secret = await demoSecret(server)
    const session = await newVisitor(server)
    const asErin = await identify(session.token, await sign({ sub: 'erin', exp: nowSec() + 600 }, secret, 'HS256'))
    const s = await visitorSocket(server, asErin.body.token)
    s.client.send({ type: 'send', id: 'r', cid: 'erin-1', text: 'erin private' })
    await s.client.next('ack')
    const asFrank = await identify(asErin.body.token, await sign({ sub: 'frank', exp: nowSec() + 600 }, secret, 'HS256'))
    expect(asFrank.status).toBe(200)
    expect(asFrank.body.visitor.id).not.toBe(session.visitor.id)
    expect(asFrank.body.visitor.userId).toBe('frank')
    const franks = await api<{ conversations: unknown[] }>(server, '/api/visitor/conversations', { token: asFrank.body.token })
    expect(franks.body.conversations).toEqual([])
    expect((await api(server, '/api/visitor/conversations', { token: asErin.body.token })).status).toBe(401)
    expect((await server.deps.store.getVisitor(session.visitor.id))!.userId).toBe('erin')
  })

  it('the demo backend route signs a token that identify accepts', async () => {
    const res = await api<{ userToken: string }>(server, '/demo/api/identify-token?user=alice')
    expect(res.status).toBe(200)
    const session = await newVisitor(server)
    const identified = await identify(session.token, res.body.userToken)
    expect(identified.body.visitor).toMatchObject({ userId: 'alice', name: 'Alice Chen' })
    expect((await api(server, '/demo/api/identify-token?user=eve')).status).toBe(404)
  })
})

describe('agent REST', () => {
  it('logs in with a cookie, answers /me, logs out', async () => {
    expect((await api(server, '/api/agent/login', { method: 'POST', json: { email: ADMIN.email, password: 'wrong' } })).status).toBe(401)
    expect((await api(server, '/api/agent/login', { method: 'POST', json: { email: 'nobody@x.test', password: 'wrong' } })).status).toBe(401)
    const res = await api<{ token: string; agent: { email: string } }>(server, '/api/agent/login', { method: 'POST', json: { email: ADMIN.email.toUpperCase(), password: ADMIN.password } })
    expect(res.status).toBe(200)
    const cookie = res.headers.get('set-cookie')!
    expect(cookie).toMatch(/kefu_session=[\w-]+/)
    expect(cookie).toMatch(/HttpOnly/)
    const cookieHeader = cookie.split(';')[0]!
    const me = await api<{ agent: { email: string }; sites: { key: string }[] }>(server, '/api/agent/me', { headers: { cookie: cookieHeader } })
    expect(me.body.agent.email).toBe(ADMIN.email)
    expect(me.body.sites.map((s) => s.key)).toContain('demo')
    // Cookie-authenticated writes from a foreign origin are refused.
    expect((await api(server, '/api/agent/logout', { method: 'POST', headers: { cookie: cookieHeader, origin: 'https://evil.example' } })).status).toBe(403)
    expect((await api(server, '/api/agent/logout', { method: 'POST', headers: { cookie: cookieHeader } })).status).toBe(200)
    expect((await api(server, '/api/agent/me', { headers: { cookie: cookieHeader } })).status).toBe(401)
  })

  it('lists conversations of the agent’s sites and pages messages', async () => {
    const token = await login(server)
    const v = await newVisitor(server)
    const s = await visitorSocket(server, v.token)
    for (let i = 0; i < 5; i++) s.client.send({ type: 'send', id: `r${i}`, cid: `c${i}`, text: `t${i}` })
    let conv = ''
    for (let i = 0; i < 5; i++) conv = (await s.client.next('ack')).conv
    const list = await api<{ conversations: { id: string }[] }>(server, '/api/conversations?status=open&site=demo', { token })
    expect(list.body.conversations[0]!.id).toBe(conv)
    expect((await api(server, '/api/conversations?site=elsewhere', { token })).status).toBe(403)
    const one = await api<{ conversation: { id: string }; visitor: { id: string } }>(server, `/api/conversations/${conv}`, { token })
    expect(one.body.visitor.id).toBe(v.visitor.id)
    const page = await api<{ messages: { seq: number }[]; more: boolean }>(server, `/api/conversations/${conv}/messages?before=5&limit=2`, { token })
    expect(page.body).toMatchObject({ more: true })
    expect(page.body.messages.map((m) => m.seq)).toEqual([3, 4])
    expect((await api(server, `/api/conversations/${conv}/messages?limit=999`, { token })).status).toBe(400)
    expect((await api(server, `/api/conversations/${conv}`, { token: v.token })).status).toBe(401) // visitors cannot use agent routes
    await api(server, `/api/conversations/${conv}/resolve`, { method: 'POST', token })
    s.client.send({ type: 'send', id: 'n', cid: 'new', text: 'new conversation' })
    await s.client.next('ack', (a) => a.cid === 'new')
    expect((await api(server, `/api/conversations/${conv}/reopen`, { method: 'POST', token })).status).toBe(409)
    s.client.close()
  })
})

describe('browser routes', () => {
  it('answers 503 until the front-end is built, then serves it with headers', async () => {
    expect((await api(server, '/widget.js')).status).toBe(503)
    expect((await api(server, '/chat?site=demo')).status).toBe(503)
    const dist = server.config.distDir
    mkdirSync(join(dist, 'chat', 'assets'), { recursive: true })
    mkdirSync(join(dist, 'console'), { recursive: true })
    writeFileSync(join(dist, 'widget.js'), 'console.log(1)')
    writeFileSync(join(dist, 'chat', 'index.html'), '<!doctype html><title>chat</title>')
    writeFileSync(join(dist, 'chat', 'assets', 'app-1.js'), 'x')
    writeFileSync(join(dist, 'console', 'index.html'), '<!doctype html><title>console</title>')

    const widget = await api(server, '/widget.js')
    expect(widget.headers.get('content-type')).toContain('application/javascript')
    expect(widget.headers.get('cache-control')).toBe('public, max-age=300')
    expect(widget.headers.get('x-content-type-options')).toBe('nosniff')

    const chat = await api(server, '/chat?site=demo')
    expect(chat.status).toBe(200)
    const csp = chat.headers.get('content-security-policy')!
    expect(csp).toMatch(/frame-ancestors 'self' [^;]*http:\/\/localhost:\* http:\/\/127\.0\.0\.1:\*/)
    expect(csp).toContain("connect-src 'self' ws: wss:")
    expect(chat.headers.get('referrer-policy')).toBe('no-referrer')
    expect((await api(server, '/chat?site=nope')).status).toBe(404)
    expect((await api(server, '/chat/assets/app-1.js')).headers.get('cache-control')).toContain('immutable')

    const consolePage = await api(server, '/console')
    expect(consolePage.headers.get('content-security-policy')).toMatch(/frame-ancestors 'self'$/)
    expect((await api(server, '/demo')).body).toContain('Demo Shop')
    expect((await api(server, '/', { redirect: 'manual' })).headers.get('location')).toBe('/demo')
  })

  it('sends text files gzipped to clients that accept it, as the size budgets assume', async () => {
    const script = `/* widget */ ${'console.log("kefu 客服");\n'.repeat(200)}`
    writeFileSync(join(server.config.distDir, 'widget.js'), script)
    const raw = (accept: string) =>
      new Promise<{ encoding: string | undefined; vary: string | undefined; body: Buffer }>((done, fail) => {
        get(`${server.url}/widget.js`, { headers: { 'accept-encoding': accept } }, (res) => {
          const chunks: Buffer[] = []
          res.on('data', (d: Buffer) => chunks.push(d))
          res.on('end', () => done({ encoding: res.headers['content-encoding'], vary: res.headers.vary, body: Buffer.concat(chunks) }))
        }).on('error', fail)
      })
    const zipped = await raw('gzip, deflate, br')
    expect(zipped.encoding).toBe('gzip')
    expect(zipped.vary).toBe('Accept-Encoding')
    expect(zipped.body.length).toBeLessThan(Buffer.byteLength(script) / 10)
    expect(gunzipSync(zipped.body).toString()).toBe(script)
    const plain = await raw('identity')
    expect(plain.encoding).toBeUndefined()
    expect(plain.body.toString()).toBe(script)
  })

  it('refuses path traversal', async () => {
    for (const path of ['/chat/assets/..%2f..%2fdata%2fsecret.key', '/chat/%2e%2e/%2e%2e/data/secret.key', '/demo/..%2fdata%2fsecret.key', '/console/..%5c..%5cdata%5csecret.key']) {
      const res = await api<string>(server, path)
      expect(res.status, path).toBe(404)
    }
  })
})

describe('rate limits', () => {
  it('limits logins and visitor sessions per IP with 429', async () => {
    const limited = await startTestServer({ rateLimits: { loginPerMinPerIp: 3, sessionPerMinPerIp: 4, identifyPerMinPerIp: 5, sendsPerMinPerSocket: 600 } })
    try {
      const attempts = []
      for (let i = 0; i < 4; i++) attempts.push((await api(limited, '/api/agent/login', { method: 'POST', json: { email: ADMIN.email, password: 'wrong' } })).status)
      expect(attempts).toEqual([401, 401, 401, 429])
      const right = await api<ErrorBody>(limited, '/api/agent/login', { method: 'POST', json: { email: ADMIN.email, password: ADMIN.password } })
      expect(right).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } })
      const sessions = []
      for (let i = 0; i < 5; i++) sessions.push((await api(limited, '/api/visitor/session', { method: 'POST', json: { site: 'demo' } })).status)
      expect(sessions).toEqual([200, 200, 200, 200, 429])
    } finally {
      await limited.stop()
    }
  })
})
