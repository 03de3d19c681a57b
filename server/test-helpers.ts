import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import WebSocket from 'ws'
import { parseServerFrame, PROTOCOL_VERSION, type ServerFrame, type VisitorSessionResponse } from '../protocol/index.ts'
import { hashPassword } from './auth/password.ts'
import { newSiteSecret, openSecret, sealSecret } from './auth/secrets.ts'
import type { Config } from './config.ts'
import { createServer, type RunningServer } from './server.ts'

export const ADMIN = { email: 'admin@kefu.local', password: 'admin-test-password' }

export type TestServer = RunningServer & { dir: string; stop(): Promise<void> }

/** A real server on port 0 with a temp data dir (test only); the demo site has no bot unless `demoBot: true`. */
export async function startTestServer(config: Partial<Config> = {}, env: NodeJS.ProcessEnv = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'kefu-test-'))
  const running = await createServer({
    env,
    logger: pino({ level: 'silent' }),
    config: { port: 0, host: '127.0.0.1', dataDir: join(dir, 'data'), botDir: join(dir, 'data', 'bots'), demoBot: false, adminPassword: ADMIN.password, logLevel: 'silent', distDir: join(dir, 'dist'), ...config },
  })
  return {
    ...running,
    dir,
    stop: async () => {
      await running.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export async function api<T = unknown>(server: { url: string }, path: string, init: RequestInit & { json?: unknown; token?: string } = {}): Promise<{ status: number; body: T; headers: Headers }> {
  const headers = new Headers(init.headers)
  if (init.json !== undefined) headers.set('content-type', 'application/json')
  if (init.token) headers.set('authorization', `Bearer ${init.token}`)
  const res = await fetch(server.url + path, { ...init, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body })
  const text = await res.text()
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // not JSON
  }
  return { status: res.status, body: body as T, headers: res.headers }
}

export async function newVisitor(server: { url: string }, site = 'demo'): Promise<VisitorSessionResponse> {
  const res = await api<VisitorSessionResponse>(server, '/api/visitor/session', { method: 'POST', json: { site } })
  if (res.status !== 200) throw new Error(`session: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body
}

export async function login(server: { url: string }, email = ADMIN.email, password = ADMIN.password): Promise<string> {
  const res = await api<{ token: string }>(server, '/api/agent/login', { method: 'POST', json: { email, password } })
  if (res.status !== 200) throw new Error(`login: ${res.status}`)
  return res.body.token
}

type Pred = (f: ServerFrame) => boolean
const DEFAULT_WAIT_MS = 3_000

/** A real `ws` client that queues server frames so tests can wait for the next one matching a predicate. */
export class TestClient {
  readonly ws: WebSocket
  readonly queue: ServerFrame[] = []
  readonly raw: string[] = []
  private waiters: { pred: Pred; resolve: (f: ServerFrame) => void }[] = []
  readonly closed: Promise<{ code: number; reason: string }>
  readonly opened: Promise<void>

  constructor(url: string, headers: Record<string, string>) {
    this.ws = new WebSocket(url, { headers })
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve())
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)))
      this.ws.once('error', reject)
    })
    this.closed = new Promise((resolve) => this.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })))
    this.ws.on('message', (data) => {
      const text = data.toString()
      this.raw.push(text)
      const frame = parseServerFrame(text)
      if (!frame) throw new Error(`server sent an invalid frame: ${text}`)
      const i = this.waiters.findIndex((w) => w.pred(frame))
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(frame)
      else this.queue.push(frame)
    })
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  next<T extends ServerFrame['type']>(type: T, pred: (f: Extract<ServerFrame, { type: T }>) => boolean = () => true, ms = DEFAULT_WAIT_MS): Promise<Extract<ServerFrame, { type: T }>> {
    const match: Pred = (f) => f.type === type && pred(f as Extract<ServerFrame, { type: T }>)
    const i = this.queue.findIndex(match)
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0] as Extract<ServerFrame, { type: T }>)
    return new Promise((resolve, reject) => {
      const waiter = { pred: match, resolve: resolve as (f: ServerFrame) => void }
      this.waiters.push(waiter)
      setTimeout(() => {
        const j = this.waiters.indexOf(waiter)
        if (j >= 0) {
          this.waiters.splice(j, 1)
          reject(new Error(`no ${type} frame within ${ms} ms; queued: ${JSON.stringify(this.queue.map((f) => f.type))}`))
        }
      }, ms)
    })
  }

  /** Waits a moment and returns queued frames of a type (to prove something did NOT arrive). */
  async none(type: ServerFrame['type'], ms = 150): Promise<ServerFrame[]> {
    await new Promise((r) => setTimeout(r, ms))
    return this.queue.filter((f) => f.type === type)
  }

  close(): void {
    this.ws.close()
  }
}

export function wsUrl(server: { url: string }, site?: string): string {
  return `${server.url.replace(/^http/, 'ws')}/ws${site ? `?site=${site}` : ''}`
}

/** Opens a visitor socket and says hello; resolves after `welcome`. */
export async function visitorSocket(server: { url: string }, token: string, opts: { site?: string; resume?: Record<string, number>; origin?: string } = {}) {
  const client = new TestClient(wsUrl(server, opts.site ?? 'demo'), { origin: opts.origin ?? server.url })
  await client.opened
  client.send({ type: 'hello', v: PROTOCOL_VERSION, token, resume: opts.resume })
  const welcome = await client.next('welcome')
  return { client, welcome }
}

/** Opens an agent socket authenticated by the session cookie; resolves after `welcome`. */
export async function agentSocket(server: { url: string }, sessionToken: string, opts: { resume?: Record<string, number> } = {}) {
  const client = new TestClient(wsUrl(server), { origin: server.url, cookie: `kefu_session=${sessionToken}` })
  await client.opened
  client.send({ type: 'hello', v: PROTOCOL_VERSION, resume: opts.resume })
  const welcome = await client.next('welcome').catch((e: Error) => {
    throw new Error(`${e.message}: ${JSON.stringify(client.queue)}`)
  })
  return { client, welcome }
}

/** Adds a site straight into the store; returns its clear secret (for signing identify tokens). */
export async function addSite(server: RunningServer, key: string, allowedOrigins: string[] = []): Promise<string> {
  const secret = newSiteSecret()
  await server.deps.store.createSite({ key, name: key, color: '#111111', greeting: null, allowedOrigins, secretEnc: sealSecret(server.deps.keys.siteSecretKey, secret) }, Date.now())
  return secret
}

export async function addAgent(server: RunningServer, email: string, password: string, sites: string[]): Promise<string> {
  const agent = await server.deps.store.createAgent({ email, name: email.split('@')[0]!, role: 'agent', passwordHash: await hashPassword(password) }, Date.now())
  for (const s of sites) await server.deps.store.addSiteAgent(s, agent.id)
  return agent.id
}

/** The demo site's clear secret. */
export async function demoSecret(server: RunningServer): Promise<string> {
  const site = await server.deps.store.getSite('demo')
  return openSecret(server.deps.keys.siteSecretKey, site!.secretEnc)
}
