import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CloseCode, LIMITS, PROTOCOL_VERSION } from '../../protocol/index.ts'
import { createSqliteStore } from '../store/sqlite.ts'
import {
  addAgent,
  addSite,
  agentSocket,
  api,
  login,
  newVisitor,
  startTestServer,
  TestClient,
  visitorSocket,
  wsUrl,
  type TestServer,
} from '../test-helpers.ts'

let server: TestServer
let adminSession: string

beforeAll(async () => {
  server = await startTestServer({ helloTimeoutMs: 300 })
  adminSession = await login(server)
})
afterAll(() => server.stop())

const msgCount = async (conv: string) => (await server.deps.store.listMessages(conv, { after: 0, limit: 200 })).messages.length

describe('visitor ↔ agent over /ws', () => {
  it('send → ack after commit → agent gets the conversation and the message', async () => {
    const { token } = await newVisitor(server)
    const agent = await agentSocket(server, adminSession)
    const { client, welcome } = await visitorSocket(server, token)
    expect(welcome).toMatchObject({ role: 'visitor', conversations: [] })
    const otherTab = (await visitorSocket(server, token)).client

    client.send({ type: 'send', id: 'r1', cid: 'cid-1', text: 'Where is my order?' })
    const ack = await client.next('ack')
    expect(ack).toMatchObject({ id: 'r1', cid: 'cid-1', seq: 1 })
    // Committed by the time the ack arrives.
    const stored = await server.deps.store.listMessages(ack.conv, { after: 0, limit: 10 })
    expect(stored.messages.map((m) => m.id)).toEqual([ack.msgId])

    const created = await agent.client.next('conversation', (f) => f.conversation.id === ack.conv)
    expect(created.conversation.status).toBe('open')
    const received = await agent.client.next('message', (f) => f.message.conv === ack.conv)
    expect(received.message).toMatchObject({ id: ack.msgId, seq: 1, text: 'Where is my order?', sender: 'visitor', cid: 'cid-1' })
    // The sender's other tabs get the message; the socket that sent it has its ack and gets no copy.
    expect((await otherTab.next('message')).message.id).toBe(ack.msgId)

    agent.client.send({ type: 'send', id: 'a1', conv: ack.conv, cid: 'agent-cid-1', text: 'Let me check.' })
    const agentAck = await agent.client.next('ack')
    expect(agentAck.seq).toBe(2)
    expect((await client.next('message')).message).toMatchObject({ sender: 'agent', seq: 2, senderName: 'Admin' })
    // Neither sender got a copy of its own message (seq 1 to the visitor, seq 2 to the agent).
    expect(await client.none('message')).toHaveLength(0)
    expect(await agent.client.none('message')).toHaveLength(0)
    client.close()
    otherTab.close()
    agent.client.close()
  })

  it('a resend of the same cid gets the same ack and stores nothing new', async () => {
    const { token } = await newVisitor(server)
    const { client } = await visitorSocket(server, token)
    client.send({ type: 'send', id: 'r1', cid: 'same', text: 'hello' })
    const first = await client.next('ack')
    client.send({ type: 'send', id: 'r2', cid: 'same', text: 'hello' })
    const second = await client.next('ack')
    expect({ ...second, id: 'r1' }).toEqual(first)
    expect(await client.none('message')).toHaveLength(0)
    expect(await msgCount(first.conv)).toBe(1)
    client.close()
  })

  it('resume replays only newer messages, bounded, with `more` for REST paging', async () => {
    const { token } = await newVisitor(server)
    const { client } = await visitorSocket(server, token)
    const total = LIMITS.replayMax + 5
    for (let i = 0; i < total; i++) client.send({ type: 'send', id: `r${i}`, cid: `c${i}`, text: `m${i}` })
    let conv = ''
    for (let i = 0; i < total; i++) conv = (await client.next('ack')).conv
    client.close()

    const again = await visitorSocket(server, token, { resume: { [conv]: 3 } })
    const replayed = []
    for (let i = 0; i < LIMITS.replayMax; i++) replayed.push((await again.client.next('message')).message.seq)
    expect(replayed[0]).toBe(4)
    expect(replayed.at(-1)).toBe(3 + LIMITS.replayMax)
    expect(await again.client.next('synced')).toEqual({ type: 'synced', conv, seq: 3 + LIMITS.replayMax, more: true })
    const rest = await api<{ messages: { seq: number }[]; more: boolean }>(server, `/api/conversations/${conv}/messages?after=${3 + LIMITS.replayMax}`, { token })
    expect(rest.body.messages.map((m) => m.seq)).toEqual([204, 205])
    expect(rest.body.more).toBe(false)
    again.client.close()

    const upToDate = await visitorSocket(server, token, { resume: { [conv]: total } })
    expect(await upToDate.client.next('synced')).toEqual({ type: 'synced', conv, seq: total, more: false })
    expect(await upToDate.client.none('message')).toHaveLength(0)
    upToDate.client.close()
  })

  it('relays typing both ways and never stores it', async () => {
    const { token } = await newVisitor(server)
    const { client } = await visitorSocket(server, token)
    client.send({ type: 'send', id: 'r1', cid: 'c1', text: 'hi' })
    const { conv } = await client.next('ack')
    const agent = await agentSocket(server, adminSession)
    client.send({ type: 'typing', on: true })
    expect(await agent.client.next('typing')).toEqual({ type: 'typing', conv, side: 'visitor', on: true, name: null })
    agent.client.send({ type: 'typing', conv, on: true })
    expect(await client.next('typing')).toEqual({ type: 'typing', conv, side: 'agent', on: true, name: 'Admin' })
    expect(await msgCount(conv)).toBe(1)
    expect((await server.deps.store.getConversation(conv))!.lastSeq).toBe(1)
    client.close()
    agent.client.close()
  })

  it('stores read cursors forward only and broadcasts them to both sides', async () => {
    const { token } = await newVisitor(server)
    const { client } = await visitorSocket(server, token)
    client.send({ type: 'send', id: 'r1', cid: 'c1', text: 'one' })
    client.send({ type: 'send', id: 'r2', cid: 'c2', text: 'two' })
    const { conv } = await client.next('ack')
    await client.next('ack')
    const agent = await agentSocket(server, adminSession)
    agent.client.send({ type: 'read', conv, seq: 2 })
    expect(await client.next('read')).toEqual({ type: 'read', conv, side: 'agent', seq: 2 })
    expect(await agent.client.next('read')).toEqual({ type: 'read', conv, side: 'agent', seq: 2 })
    agent.client.send({ type: 'read', conv, seq: 1 })
    expect(await client.none('read')).toHaveLength(0)
    expect((await server.deps.store.getConversation(conv))!.agentReadSeq).toBe(2)
    client.close()
    agent.client.close()
  })

  it('answers bad frames with the right code, changes nothing, keeps the socket open', async () => {
    const { token } = await newVisitor(server)
    const { client } = await visitorSocket(server, token)
    client.send('{not json')
    expect(await client.next('error')).toMatchObject({ code: 'bad_frame', id: null })
    client.send({ type: 'shout', id: 'x1' })
    expect(await client.next('error')).toMatchObject({ code: 'unknown_type', id: 'x1' })
    client.send({ type: 'send', id: 'x2', cid: 'big', text: 'a'.repeat(LIMITS.textMax + 1) })
    expect(await client.next('error')).toMatchObject({ code: 'too_large', id: 'x2' })
    client.send({ type: 'send', id: 'x3', cid: 'huge', text: 'a'.repeat(LIMITS.frameBytesMax) })
    expect(await client.next('error')).toMatchObject({ code: 'too_large' })
    client.send({ type: 'send', id: 'x4', cid: 'empty', text: '   ' })
    expect(await client.next('error')).toMatchObject({ code: 'bad_frame', id: 'x4' })
    expect(await server.deps.store.listVisitorConversations((await server.deps.store.getVisitor(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sub))!.id)).toEqual([])
    client.send({ type: 'ping', id: 'p1' })
    expect(await client.next('pong')).toEqual({ type: 'pong', id: 'p1' })
    client.close()
  })

  it('rate-limits a visitor socket that sends too fast', async () => {
    const limited = await startTestServer({ rateLimits: { loginPerMinPerIp: 20, sessionPerMinPerIp: 120, identifyPerMinPerIp: 60, sendsPerMinPerSocket: 5 } })
    try {
      const { token } = await newVisitor(limited)
      const { client } = await visitorSocket(limited, token)
      for (let i = 0; i < 7; i++) client.send({ type: 'send', id: `f${i}`, cid: `f${i}`, text: 'flood' })
      const errors = [await client.next('error'), await client.next('error')]
      expect(errors.map((e) => [e.id, e.code])).toEqual([['f5', 'rate_limited'], ['f6', 'rate_limited']])
      let conv = ''
      for (let i = 0; i < 5; i++) conv = (await client.next('ack')).conv
      expect((await limited.deps.store.listMessages(conv, { after: 0, limit: 10 })).messages).toHaveLength(5)
      client.close()
    } finally {
      await limited.stop()
    }
  })

  it('closes a socket after 20 bad frames with 4004', async () => {
    const { token } = await newVisitor(server)
    const { client } = await visitorSocket(server, token)
    for (let i = 0; i < 20; i++) client.send('nope')
    expect((await client.closed).code).toBe(CloseCode.Abuse)
  })

  it('refuses another visitor’s conversation (frame and REST)', async () => {
    const a = await newVisitor(server)
    const b = await newVisitor(server)
    const sa = await visitorSocket(server, a.token)
    sa.client.send({ type: 'send', id: 'r1', cid: 'c1', text: 'mine' })
    const { conv } = await sa.client.next('ack')
    const sb = await visitorSocket(server, b.token)
    sb.client.send({ type: 'send', id: 'evil', conv, cid: 'c1', text: 'yours?' })
    expect(await sb.client.next('error')).toMatchObject({ id: 'evil', code: 'not_found' })
    sb.client.send({ type: 'read', conv, seq: 1 })
    expect(await sb.client.next('error')).toMatchObject({ code: 'not_found' })
    expect(await msgCount(conv)).toBe(1)
    const rest = await api(server, `/api/conversations/${conv}/messages`, { token: b.token })
    expect(rest.status).toBe(404)
    // b's resume naming a's conversation replays nothing from it.
    const sb2 = await visitorSocket(server, b.token, { resume: { [conv]: 0 } })
    expect(await sb2.client.none('message')).toHaveLength(0)
    for (const s of [sa, sb, sb2]) s.client.close()
  })

  it('refuses an agent of another site (frame, resume and REST)', async () => {
    await addSite(server, 'other-shop')
    await addAgent(server, 'olga@other.test', 'olga-password', ['other-shop'])
    const olga = await login(server, 'olga@other.test', 'olga-password')
    const { token } = await newVisitor(server)
    const v = await visitorSocket(server, token)
    v.client.send({ type: 'send', id: 'r1', cid: 'c1', text: 'demo only' })
    const { conv } = await v.client.next('ack')
    const { client, welcome } = await agentSocket(server, olga, { resume: { [conv]: 0 } })
    expect(welcome.conversations.find((c) => c.id === conv)).toBeUndefined()
    expect(await client.none('message')).toHaveLength(0) // neither replay nor live
    client.send({ type: 'send', id: 'o1', conv, cid: 'o1', text: 'hi' })
    expect(await client.next('error')).toMatchObject({ id: 'o1', code: 'forbidden' })
    v.client.send({ type: 'send', id: 'r2', cid: 'c2', text: 'still demo' })
    await v.client.next('ack')
    expect(await client.none('message')).toHaveLength(0)
    expect(await msgCount(conv)).toBe(2)
    expect((await api(server, `/api/conversations/${conv}`, { token: olga })).status).toBe(403)
    expect((await api(server, `/api/conversations/${conv}/messages`, { token: olga })).status).toBe(403)
    expect((await api(server, `/api/conversations/${conv}/resolve`, { method: 'POST', token: olga })).status).toBe(403)
    v.client.close()
    client.close()
  })

  it('refuses upgrades from disallowed origins and unknown sites before upgrading', async () => {
    const evil = new TestClient(wsUrl(server, 'demo'), { origin: 'https://evil.example' })
    await expect(evil.opened).rejects.toThrow(/403/)
    const agentEvil = new TestClient(wsUrl(server), { origin: 'https://evil.example' })
    await expect(agentEvil.opened).rejects.toThrow(/403/)
    const noSite = new TestClient(wsUrl(server, 'nope'), { origin: server.url })
    await expect(noSite.opened).rejects.toThrow(/404/)
    // The demo allowlist has http://localhost:* (any port).
    const local = new TestClient(wsUrl(server, 'demo'), { origin: 'http://localhost:5173' })
    await local.opened
    local.close()
  })

  it('closes 4001 on a bad token, 4003 on a wrong version, 4002 without hello', async () => {
    const bad = new TestClient(wsUrl(server, 'demo'), { origin: server.url })
    await bad.opened
    bad.send({ type: 'hello', v: PROTOCOL_VERSION, token: 'forged.token.here' })
    expect(await bad.next('error')).toMatchObject({ code: 'unauthorized' })
    expect((await bad.closed).code).toBe(CloseCode.Unauthorized)

    const noCookie = new TestClient(wsUrl(server), { origin: server.url })
    await noCookie.opened
    noCookie.send({ type: 'hello', v: PROTOCOL_VERSION })
    expect((await noCookie.closed).code).toBe(CloseCode.Unauthorized)

    const { token } = await newVisitor(server)
    const old = new TestClient(wsUrl(server, 'demo'), { origin: server.url })
    await old.opened
    old.send({ type: 'hello', v: PROTOCOL_VERSION + 1, token })
    expect((await old.closed).code).toBe(CloseCode.UnsupportedVersion)

    const silent = new TestClient(wsUrl(server, 'demo'), { origin: server.url })
    await silent.opened
    expect((await silent.closed).code).toBe(CloseCode.HelloTimeout)
  })

  it('lets an agent resolve over REST and broadcasts the change to both sides', async () => {
    const { token } = await newVisitor(server)
    const v = await visitorSocket(server, token)
    v.client.send({ type: 'send', id: 'r1', cid: 'c1', text: 'thanks' })
    const { conv } = await v.client.next('ack')
    const agent = await agentSocket(server, adminSession)
    const res = await api<{ conversation: { status: string } }>(server, `/api/conversations/${conv}/resolve`, { method: 'POST', token: adminSession })
    expect(res.body.conversation.status).toBe('resolved')
    expect((await v.client.next('conversation', (f) => f.conversation.status === 'resolved')).conversation.id).toBe(conv)
    expect((await agent.client.next('conversation', (f) => f.conversation.status === 'resolved')).conversation.id).toBe(conv)
    // The next message without conv opens a new conversation.
    v.client.send({ type: 'send', id: 'r2', cid: 'c2', text: 'one more thing' })
    expect((await v.client.next('ack')).conv).not.toBe(conv)
    v.client.close()
    agent.client.close()
  })

  it('closes the sockets of an agent session that logs out (4001), and no other', async () => {
    const leaving = await login(server)
    const mine = await agentSocket(server, leaving)
    const colleague = await agentSocket(server, adminSession)
    expect((await api(server, '/api/agent/logout', { method: 'POST', token: leaving })).status).toBe(200)
    expect((await mine.client.closed).code).toBe(CloseCode.Unauthorized)
    colleague.client.send({ type: 'ping', id: 'still-here' })
    expect((await colleague.client.next('pong')).id).toBe('still-here')
    colleague.client.close()
  })

  it('a resend after the conversation was resolved gets the original ack and opens nothing new', async () => {
    const { token, visitor } = await newVisitor(server)
    const v = await visitorSocket(server, token)
    v.client.send({ type: 'send', id: 'r1', cid: 'lost-ack', text: 'did you get this?' })
    const first = await v.client.next('ack')
    await api(server, `/api/conversations/${first.conv}/resolve`, { method: 'POST', token: adminSession })
    v.client.send({ type: 'send', id: 'r2', cid: 'lost-ack', text: 'did you get this?' })
    expect(await v.client.next('ack')).toMatchObject({ id: 'r2', conv: first.conv, msgId: first.msgId, seq: first.seq })
    expect((await server.deps.store.listVisitorConversations(visitor.id)).map((c) => c.id)).toEqual([first.conv])
    v.client.close()
  })

  it('counts sockets and rejected frames in /metrics', async () => {
    const res = await api<string>(server, '/metrics')
    expect(res.body).toMatch(/kefu_frames_rejected_total\{code="bad_frame"\} \d+/)
    expect(res.body).toMatch(/kefu_messages_stored_total \d+/)
    expect(res.body).toMatch(/kefu_ack_latency_seconds_count \d+/)
    expect(res.body).toContain('kefu_sockets')
  })
})

describe('liveness', () => {
  it('terminates a socket that stops answering pings, keeps one that answers', async () => {
    const fast = await startTestServer({ serverPingMs: 80 })
    try {
      const { token } = await newVisitor(fast)
      const alive = await visitorSocket(fast, token)
      const deaf = new WebSocket(wsUrl(fast, 'demo'), { headers: { origin: fast.url }, autoPong: false })
      const closed = new Promise<number>((r) => deaf.once('close', (code) => r(code)))
      const started = Date.now()
      expect(await closed).toBe(1006) // terminated, no close frame
      expect(Date.now() - started).toBeGreaterThanOrEqual(150)
      alive.client.send({ type: 'ping', id: 'still-here' })
      expect(await alive.client.next('pong')).toEqual({ type: 'pong', id: 'still-here' })
      alive.client.close()
    } finally {
      await fast.stop()
    }
  })
})

describe('pings', () => {
  it('spreads pings over the interval instead of pinging every socket at once', async () => {
    const slow = await startTestServer({ serverPingMs: 1_000 })
    try {
      const sockets = await Promise.all(Array.from({ length: 20 }, async () => visitorSocket(slow, (await newVisitor(slow)).token)))
      const firstPing = await Promise.all(sockets.map((s) => new Promise<number>((r) => s.client.ws.once('ping', () => r(Date.now())))))
      // 20 sockets, a slice every 100 ms: the first pings span most of the second, not one instant.
      expect(Math.max(...firstPing) - Math.min(...firstPing)).toBeGreaterThanOrEqual(400)
      for (const s of sockets) s.client.close()
    } finally {
      await slow.stop()
    }
  })
})

describe('shutdown', () => {
  it('closes sockets with 1001 and keeps every acked message', async () => {
    const temp = await startTestServer()
    try {
      const { token } = await newVisitor(temp)
      const { client } = await visitorSocket(temp, token)
      client.send({ type: 'send', id: 'r1', cid: 'bye', text: 'last words' })
      const ack = await client.next('ack')
      const started = Date.now()
      await temp.close()
      expect((await client.closed).code).toBe(CloseCode.GoingAway)
      expect(Date.now() - started).toBeLessThan(2_500)
      const reopened = createSqliteStore({ filename: `${temp.config.dataDir}/kefu.db` })
      expect((await reopened.listMessages(ack.conv, { after: 0, limit: 5 })).messages.map((m) => m.cid)).toEqual(['bye'])
      await reopened.close()
    } finally {
      await temp.stop()
    }
  })
})

describe('admin portal origins (KEFU_CONSOLE_ORIGINS)', () => {
  it('lets an allowed portal frame /console and open agent sockets, and nobody else', async () => {
    const portal = await startTestServer({ consoleOrigins: ['https://portal.example'] })
    try {
      mkdirSync(join(portal.config.distDir, 'console'), { recursive: true })
      writeFileSync(join(portal.config.distDir, 'console', 'index.html'), '<!doctype html>')
      const page = await api(portal, '/console')
      expect(page.headers.get('content-security-policy')).toMatch(/frame-ancestors 'self' https:\/\/portal\.example$/)
      const session = await login(portal)
      const ok = new TestClient(wsUrl(portal), { origin: 'https://portal.example', cookie: `kefu_session=${session}` })
      await ok.opened
      ok.send({ type: 'hello', v: PROTOCOL_VERSION })
      expect((await ok.next('welcome')).role).toBe('agent')
      ok.close()
      const other = new TestClient(wsUrl(portal), { origin: 'https://other-portal.example', cookie: `kefu_session=${session}` })
      await expect(other.opened).rejects.toThrow(/403/)
      // A portal origin is not a visitor origin: the demo site's allowlist decides those.
      const asVisitor = new TestClient(wsUrl(portal, 'demo'), { origin: 'https://portal.example' })
      await expect(asVisitor.opened).rejects.toThrow(/403/)
    } finally {
      await portal.stop()
    }
  })
})
