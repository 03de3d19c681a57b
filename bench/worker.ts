import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import { join } from 'node:path'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import WebSocket from 'ws'
import { createCid } from '../protocol/cid.ts'
import { emptyReplacedWsFragments } from '../server/ws/ws-receiver.ts'
import type {
  Command,
  ConnectResult,
  FanCollectResult,
  FanSendResult,
  FrameSizes,
  Group,
  LoadResult,
  MintResult,
  Reply,
  TargetKind,
} from './ipc.ts'

/**
 * One load-generator process (forked by run.ts). It holds visitor and agent sockets of its own sites,
 * so the socket that sends and the socket that receives a message share this process's clock.
 */

/** A typical chat line (70 characters); the send time rides in front of it. */
const FILLER = 'Hello, my order 10482 has not arrived yet. Could you check where it is?'
const CONNECT_TIMEOUT_MS = 30_000
const ERROR_SAMPLES_MAX = 5
/** Pacing timer: a 1 ms timer in every worker cost more CPU than the sends it paced. */
const TICK_MS = 4

// The generator's sockets are `ws` clients with the receiver the servers fixed: without it every
// received frame reached this process's old generation too (server/ws/ws-receiver.ts).
emptyReplacedWsFragments()

/** Event-loop delay sampling of the generator itself (coarse: it only tells whether the generator kept up). */
const LOOP_RESOLUTION_MS = 10

type Sock = { ws: WebSocket; role: 'visitor' | 'agent'; group: Group; conv: string | null; reader: { bytesRead: number; bytesWritten: number } | null }

type Phase = {
  /** When the phase started (this worker's clock): deliveries are also counted by the second they were sent in. */
  t0: number
  delivery: number[]
  deliverySecond: number[]
  ack: number[]
  ids: string[] | null
  acked: number
  delivered: number
  errors: number
  errorSamples: string[]
  closes: number
  expectClose: boolean
}

let kind: TargetKind = 'kefu'
let base = ''
let wsBase = ''
let localAddresses: string[] = ['127.0.0.1']
let nextAddress = 0
const groups: Record<Group, { visitors: Sock[]; agents: Sock[]; tokens: (string | null)[] }> = {
  main: { visitors: [], agents: [], tokens: [] },
  fan: { visitors: [], agents: [], tokens: [] },
}
/** Request id → send time, for ack latency. */
const pending = new Map<string, number>()
const frames: FrameSizes = { send: 0, ack: 0, message: 0 }
let phase: Phase | null = null
let warmupAcks = 0
let fanReceipts: { tag: string; at: number }[] = []
const wallNow = () => performance.timeOrigin + performance.now()

/** KEFU_BENCH_WORKER_PROFILE=DIR: a CPU profile of this generator over each load phase (it shares the CPUs with the server). */
const profileDir = process.env.KEFU_BENCH_WORKER_PROFILE
const inspector = profileDir ? new Session() : null
inspector?.connect()
const post = (method: string) => new Promise<unknown>((res, rej) => inspector!.post(method, (error, result) => (error ? rej(error) : res(result))))

/** Server → client frame header: 2 bytes up to 125 bytes of payload, 4 up to 64 KiB. */
const serverHeader = (n: number) => (n < 126 ? 2 : n < 65536 ? 4 : 10)
/** Client frames are masked: 4 more bytes. */
const clientHeader = (n: number) => serverHeader(n) + 4

function onFrame(sock: Sock, data: Buffer): void {
  const now = performance.now()
  const frame = JSON.parse(data.toString('utf8')) as { type: string; [k: string]: unknown }
  switch (frame.type) {
    case 'ack': {
      if (frames.ack === 0) frames.ack = data.length + serverHeader(data.length)
      const id = frame.id as string
      const t0 = pending.get(id)
      if (t0 === undefined) return
      pending.delete(id)
      if (sock.role === 'visitor') sock.conv = frame.conv as string
      warmupAcks++
      if (phase) {
        phase.acked++
        phase.ack.push(now - t0)
        phase.ids?.push(frame.msgId as string)
      }
      return
    }
    case 'message': {
      const message = frame.message as { text: string; sender: string }
      const text = message.text
      if (text.charCodeAt(0) === 64 /* @ */) {
        if (frames.message === 0) frames.message = data.length + serverHeader(data.length)
        const other = sock.role === 'agent' ? message.sender === 'visitor' : message.sender === 'agent'
        if (!other || !phase) return
        phase.delivered++
        const sentAt = Number(text.slice(1, text.indexOf('|')))
        phase.delivery.push(now - sentAt)
        phase.deliverySecond.push(Math.floor((sentAt - phase.t0) / 1000))
      } else if (text.charCodeAt(0) === 35 /* # */ && sock.group === 'fan' && sock.role === 'agent') {
        fanReceipts.push({ tag: text.slice(1, text.indexOf('|')), at: wallNow() })
      }
      return
    }
    case 'error': {
      if (phase) {
        phase.errors++
        if (phase.errorSamples.length < ERROR_SAMPLES_MAX) phase.errorSamples.push(`${String(frame.code)}: ${String(frame.message)}`)
      }
      return
    }
    default:
      return
  }
}

/** Opens one socket, says hello, resolves on `welcome`. */
function open(url: string, token: string | null, sock: Omit<Sock, 'ws' | 'reader'>): Promise<Sock> {
  return new Promise((resolve, reject) => {
    const localAddress = localAddresses[nextAddress++ % localAddresses.length]!
    const ws = new WebSocket(url, { localAddress, perMessageDeflate: false, handshakeTimeout: CONNECT_TIMEOUT_MS })
    const s: Sock = { ...sock, ws, reader: null }
    let welcomed = false
    const timer = setTimeout(() => fail(new Error('no welcome in time')), CONNECT_TIMEOUT_MS)
    const fail = (error: Error) => {
      clearTimeout(timer)
      ws.terminate()
      reject(error)
    }
    ws.on('error', (error) => {
      if (!welcomed) fail(error)
    })
    ws.on('close', () => {
      if (!welcomed) return fail(new Error('closed before welcome'))
      if (phase && !phase.expectClose) phase.closes++
    })
    ws.on('open', () => {
      // The underlying TCP socket: its byte counters are what went over the wire.
      s.reader = (ws as unknown as { _socket: { bytesRead: number; bytesWritten: number } })._socket
      ws.send(JSON.stringify({ type: 'hello', v: 1, token: token ?? undefined }))
    })
    ws.on('message', (data: Buffer) => {
      if (welcomed) return onFrame(s, data)
      const frame = JSON.parse(data.toString('utf8')) as { type: string; message?: string }
      if (frame.type !== 'welcome') return fail(new Error(`expected welcome, got ${frame.type}: ${frame.message ?? ''}`))
      welcomed = true
      clearTimeout(timer)
      resolve(s)
    })
  })
}

/** Runs `fn(i)` for i < n with at most `concurrency` in flight. */
async function pool(n: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  const lanes = Array.from({ length: Math.min(n, concurrency) }, async () => {
    while (next < n) await fn(next++)
  })
  await Promise.all(lanes)
}

async function mint(group: Group, site: string, count: number, concurrency: number): Promise<MintResult> {
  const t0 = performance.now()
  const errors: string[] = []
  let failed = 0
  const tokens = groups[group].tokens
  if (kind === 'baseline') {
    for (let i = 0; i < count; i++) tokens.push(null)
    return { minted: count, failed: 0, ms: performance.now() - t0, errors }
  }
  await pool(count, concurrency, async () => {
    try {
      const res = await fetch(`${base}/api/visitor/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ site }) })
      if (!res.ok) throw new Error(`session ${res.status}: ${await res.text()}`)
      tokens.push(((await res.json()) as { token: string }).token)
    } catch (error) {
      failed++
      if (errors.length < ERROR_SAMPLES_MAX) errors.push((error as Error).message)
    }
  })
  return { minted: count - failed, failed, ms: performance.now() - t0, errors }
}

async function connect(group: Group, role: Sock['role'], url: string, tokens: (string | null)[], concurrency: number): Promise<ConnectResult> {
  const t0 = performance.now()
  const errors: string[] = []
  let failed = 0
  const into = role === 'visitor' ? groups[group].visitors : groups[group].agents
  await pool(tokens.length, concurrency, async (i) => {
    try {
      into.push(await open(url, tokens[i]!, { role, group, conv: null }))
    } catch (error) {
      failed++
      if (errors.length < ERROR_SAMPLES_MAX) errors.push((error as Error).message)
    }
  })
  return { connected: tokens.length - failed, failed, ms: performance.now() - t0, errors }
}

function sendFrame(sock: Sock, conv: string | null, text: string): boolean {
  if (sock.ws.readyState !== WebSocket.OPEN) return false
  const cid = createCid()
  // As the widget does: the request id is the cid; visitors leave `conv` out (their open conversation).
  const json = JSON.stringify(conv === null ? { type: 'send', id: cid, cid, text } : { type: 'send', id: cid, conv, cid, text })
  if (frames.send === 0 && text.charCodeAt(0) === 64) frames.send = Buffer.byteLength(json) + clientHeader(Buffer.byteLength(json))
  pending.set(cid, performance.now())
  sock.ws.send(json)
  return true
}

function byteTotals(): { read: number; written: number } {
  let read = 0
  let written = 0
  for (const g of Object.values(groups)) {
    for (const s of [...g.visitors, ...g.agents]) {
      read += s.reader?.bytesRead ?? 0
      written += s.reader?.bytesWritten ?? 0
    }
  }
  return { read, written }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Paces `count` sends at `rate` per second, calling `sendOne(i)`; resolves when all are sent. */
function paced(count: number, rate: number, sendOne: (i: number) => void): Promise<number> {
  return new Promise((resolve) => {
    const start = performance.now()
    let sent = 0
    const tick = () => {
      const due = Math.min(count, Math.floor(((performance.now() - start) / 1000) * rate))
      while (sent < due) sendOne(sent++)
      if (sent < count) setTimeout(tick, TICK_MS)
      else resolve(performance.now() - start)
    }
    tick()
  })
}

async function warmup(group: Group, rate: number): Promise<{ sent: number; acked: number; ms: number }> {
  const visitors = groups[group].visitors
  warmupAcks = 0
  let sent = 0
  const ms = await paced(visitors.length, rate, (i) => {
    if (sendFrame(visitors[i]!, null, `w|${FILLER}`)) sent++
  })
  const deadline = performance.now() + 10_000
  while (warmupAcks < sent && performance.now() < deadline) await sleep(20)
  return { sent, acked: warmupAcks, ms }
}

async function load(cmd: Extract<Command, { type: 'load' }>): Promise<LoadResult> {
  const { visitors, agents } = groups[cmd.group]
  const p: Phase = { t0: performance.now(), delivery: [], deliverySecond: [], ack: [], ids: cmd.recordIds ? [] : null, acked: 0, delivered: 0, errors: 0, errorSamples: [], closes: 0, expectClose: cmd.expectClose }
  pending.clear()
  const bytes0 = byteTotals()
  const cpu0 = process.cpuUsage()
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS })
  loop.enable()
  if (inspector) await post('Profiler.enable').then(() => post('Profiler.start'))
  phase = p
  const count = Math.round((cmd.rate * cmd.durationMs) / 1000)
  // Every k-th message goes agent → visitor, the rest visitor → agent; visitors take turns.
  const agentEvery = cmd.agentShare > 0 ? Math.round(1 / cmd.agentShare) : 0
  let sentVisitor = 0
  let sentAgent = 0
  const elapsedMs = await paced(count, cmd.rate, (i) => {
    const visitor = visitors[i % visitors.length]!
    const text = `@${performance.now().toFixed(3)}|${FILLER}`
    if (agentEvery > 0 && i % agentEvery === agentEvery - 1 && visitor.conv !== null && agents.length > 0) {
      if (sendFrame(agents[i % agents.length]!, visitor.conv, text)) sentAgent++
    } else if (sendFrame(visitor, null, text)) sentVisitor++
  })
  const sent = sentVisitor + sentAgent
  const deadline = performance.now() + cmd.drainMs
  while ((p.acked < sent || p.delivered < sent) && performance.now() < deadline) await sleep(10)
  phase = null
  loop.disable()
  const cpu = process.cpuUsage(cpu0)
  if (inspector) {
    const { profile } = (await post('Profiler.stop')) as { profile: object }
    writeFileSync(join(profileDir!, `worker-${process.pid}-${Date.now()}.cpuprofile`), JSON.stringify(profile))
  }
  const bytes1 = byteTotals()
  return {
    sent, sentVisitor, sentAgent, acked: p.acked, delivered: p.delivered, errors: p.errors, errorSamples: p.errorSamples, closes: p.closes,
    elapsedMs, delivery: p.delivery, deliverySecond: p.deliverySecond, ack: p.ack, ids: p.ids ?? [],
    bytesRead: bytes1.read - bytes0.read, bytesWritten: bytes1.written - bytes0.written, frames: { ...frames },
    cpuMs: (cpu.user + cpu.system) / 1000, loopP99: loop.percentile(99) / 1e6,
  }
}

async function fanSend(group: Group, count: number, intervalMs: number): Promise<FanSendResult> {
  const sender = groups[group].visitors[0]
  if (!sender) throw new Error('no fan-out sender in this worker')
  const sent: FanSendResult['sent'] = []
  for (let i = 0; i < count; i++) {
    const tag = `f${i}`
    sent.push({ tag, at: wallNow() })
    sendFrame(sender, null, `#${tag}|${FILLER}`)
    await sleep(intervalMs)
  }
  return { sent }
}

function trim(group: Group, keep: number, agents: boolean): { closed: number } {
  const g = groups[group]
  const extra = [...g.visitors.splice(keep), ...(agents ? g.agents.splice(0) : [])]
  for (const s of extra) s.ws.terminate()
  return { closed: extra.length }
}

async function handle(cmd: Command): Promise<unknown> {
  switch (cmd.type) {
    case 'init':
      kind = cmd.kind
      base = cmd.base
      wsBase = base.replace(/^http/, 'ws')
      localAddresses = cmd.localAddresses
      nextAddress = 0
      return { pid: process.pid }
    case 'mint':
      return mint(cmd.group, cmd.site, cmd.count, cmd.concurrency)
    case 'connectVisitors': {
      const tokens = groups[cmd.group].tokens.splice(0, cmd.count)
      return connect(cmd.group, 'visitor', `${wsBase}/ws?site=${encodeURIComponent(cmd.site)}`, tokens, cmd.concurrency)
    }
    case 'connectAgents':
      return connect(cmd.group, 'agent', `${wsBase}/ws`, Array.from({ length: cmd.count }, () => cmd.token), cmd.concurrency)
    case 'trim':
      return trim(cmd.group, cmd.keep, cmd.agents)
    case 'warmup':
      return warmup(cmd.group, cmd.rate)
    case 'load':
      return load(cmd)
    case 'fanSend':
      return fanSend(cmd.group, cmd.count, cmd.intervalMs)
    case 'fanCollect': {
      const result: FanCollectResult = { receipts: fanReceipts }
      fanReceipts = []
      return result
    }
    case 'bytes':
      return byteTotals()
    case 'exit':
      for (const g of Object.values(groups)) for (const s of [...g.visitors, ...g.agents]) s.ws.terminate()
      setImmediate(() => process.exit(0))
      return null
    default: {
      const never: never = cmd
      throw new Error(`unknown command ${JSON.stringify(never)}`)
    }
  }
}

process.on('message', (msg: { id: number; cmd: Command }) => {
  handle(msg.cmd).then(
    (result) => process.send!({ id: msg.id, ok: true, result } satisfies Reply),
    (error: unknown) => process.send!({ id: msg.id, ok: false, error: (error as Error).stack ?? String(error) } satisfies Reply),
  )
})
// The runner going away takes this worker with it (no orphaned load generators).
process.on('disconnect', () => process.exit(0))
