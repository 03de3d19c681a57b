import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer as createNetServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { Message } from '../protocol/index.ts'
import { api, newVisitor, visitorSocket } from './test-helpers.ts'

const REPO = resolve(import.meta.dirname, '..')
const dir = mkdtempSync(join(tmpdir(), 'kefu-kill9-'))
const children: ChildProcess[] = []
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => res(port))
    })
    s.on('error', rej)
  })
}

/** `node --import tsx server/main.ts` as one process, so SIGKILL hits the server itself. */
async function start(port: number, dataDir: string, writerThread: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: REPO,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', KEFU_DATA_DIR: dataDir, KEFU_SQLITE_WRITER_THREAD: writerThread, KEFU_ADMIN_PASSWORD: 'kill9-admin', KEFU_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let output = ''
  child.stdout!.on('data', (d) => (output += d))
  child.stderr!.on('data', (d) => (output += d))
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited: ${output}`)
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return child
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`server did not start: ${output}`)
}

describe.each(['0', '1'])('durability (KEFU_SQLITE_WRITER_THREAD=%s)', (writerThread) => {
  it('keeps every acked message across kill -9', async () => {
    const port = await freePort()
    const server = { url: `http://127.0.0.1:${port}` }
    const dataDir = join(dir, writerThread)
    const first = await start(port, dataDir, writerThread)
    const { token } = await newVisitor(server)
    const { client } = await visitorSocket(server, token)
    const total = 400
    const acked = new Map<string, number>()
    const enough = new Promise<void>((res) => {
      client.ws.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as { type: string; cid?: string; seq?: number }
        if (frame.type === 'ack') acked.set(frame.cid!, frame.seq!)
        if (acked.size === 250) res()
      })
    })
    for (let i = 0; i < total; i++) client.send({ type: 'send', id: `r${i}`, cid: `k${i}`, text: `durable ${i}` })
    await enough
    first.kill('SIGKILL') // while later sends may still be in flight
    await new Promise((r) => first.once('exit', r))
    const ackedNow = new Map(acked)
    expect(ackedNow.size).toBeGreaterThanOrEqual(250)

    const second = await start(port, dataDir, writerThread)
    const convs = await api<{ conversations: { id: string; lastSeq: number }[] }>(server, '/api/visitor/conversations', { token })
    expect(convs.status).toBe(200)
    const conv = convs.body.conversations[0]!
    const stored: Message[] = []
    let after = 0
    for (;;) {
      const page = await api<{ messages: Message[]; more: boolean }>(server, `/api/conversations/${conv.id}/messages?after=${after}&limit=200`, { token })
      stored.push(...page.body.messages)
      after = page.body.messages.at(-1)?.seq ?? after
      if (!page.body.more) break
    }
    const byCid = new Map(stored.map((m) => [m.cid, m.seq]))
    for (const [cid, seq] of ackedNow) expect(byCid.get(cid), cid).toBe(seq)
    // Gapless after recovery too.
    expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: stored.length }, (_, i) => i + 1))
    client.close()
    second.kill('SIGTERM')
    await new Promise((r) => second.once('exit', r))
    expect(second.exitCode).toBe(0)
  }, 40_000)
})
