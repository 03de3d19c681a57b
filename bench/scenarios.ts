import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { runCli } from '../server/admin.ts'
import type { ConnectResult, FanCollectResult, FanSendResult, Group, LoadResult, LoadSummary, MintResult, TargetKind } from './ipc.ts'
import type { Params } from './modes.ts'
import { startServer, startWorker, type ServerProcess, type Worker } from './processes.ts'
import { describeStep, serverAround } from './report.ts'
import type { LoopProbe, MemProbe, SecondProbe } from './server-entry.ts'
import { round, summarize, type Summary } from './stats.ts'

const AGENT_PASSWORD = 'bench-password-123'
/** Concurrent REST calls and WebSocket handshakes per worker. */
const MINT_CONCURRENCY = 16
const CONNECT_CONCURRENCY = 64

export type RunOptions = {
  /** Extra node flags for the server processes (both targets get the same). */
  nodeFlags: string[]
  /** CPU profiles of each server over the latency and throughput phases, written into this folder. */
  profileDir: string | null
  /** Path prefix: heap snapshots of Kefu with half and with all idle sockets connected. */
  heapSnapshotPath: string | null
  /** Only the idle-connections scenario (memory work). */
  idleOnly: boolean
  log: (line: string) => void
}

export type IdleResult = {
  connections: number
  failed: number
  errors: string[]
  mintPerSec: number | null
  connectMs: number
  connectPerSec: number
  /** Server memory with half of the sockets connected, and with all of them. */
  before: MemProbe
  after: MemProbe
  rssPerConnection: number
  /** The same without the growth of V8's young generation, a fixed cost set by --max-semi-space-size. */
  rssPerConnectionExclYoung: number
  heapPerConnection: number
  /** Upgrade request + response + hello + welcome, both directions, per socket. */
  bytesPerConnection: number
}

export type FanoutResult = {
  receivers: number
  messages: number
  receipts: number
  expected: number
  /** Send → receipt at each receiver (ms, system clock shared by the worker processes). */
  receipt: Summary
  /** Send → the last receiver got it. */
  toAll: Summary
  /** receivers / mean time-to-all. */
  deliveriesPerSec: number
}

/**
 * `cpuPressure`: share of wall time in which some task on the machine waited for a CPU (Linux PSI,
 * /proc/pressure/cpu): how much other load (the generator, other jobs on this shared machine) competed with
 * the server. `cpuSteal`: share of the machine's CPU time taken by the hypervisor for other guests
 * (/proc/stat), the one source of stalls that shows neither in the server's loop nor in CPU pressure.
 */
export type StepResult = LoadSummary & {
  server: LoopProbe
  pass: boolean
  why: string
  /** Seconds of the phase whose delivery p99 was over the limit. */
  slowSeconds: number
  /** Of those, the ones whose group commits (in them or the next) waited LOCK_WAIT_NOTED_MS or more for SQLite's write lock (Kefu). */
  lockSeconds: number
  cpuPressure: number | null
  cpuSteal: number | null
  rerun?: boolean
}

/** A slow second whose commits waited this long for the write lock in all is counted as one the lock held up. */
const LOCK_WAIT_NOTED_MS = 10

/**
 * A throughput step that fails while the hypervisor takes more than this share of the CPUs is discarded
 * and run again, at most STEAL_RERUNS times per rate: what failed was the host (a full run here once had
 * 30-36 % stolen for a minute). It stays in the JSON and the report, marked.
 */
const STEAL_MAX = 0.05
const STEAL_RERUNS = 2

/** Steal and total jiffies of all CPUs so far (/proc/stat: user nice system idle iowait irq softirq steal). */
function cpuJiffies(): { steal: number; total: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number)
    return fields.length === 8 ? { steal: fields[7]!, total: sum(fields) } : null
  } catch {
    return null
  }
}

function cpuStallUs(): number | null {
  try {
    const some = /some .*total=(\d+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'))?.[1]
    return some ? Number(some) : null
  } catch {
    return null
  }
}

export type TargetResult = {
  kind: TargetKind
  idle: IdleResult
  /** Null only in an idle-only run. */
  fanout: FanoutResult | null
  latency: (StepResult & { visitors: number; warmup: { sent: number; acked: number; ms: number } }) | null
  throughput: { visitors: number; steps: StepResult[]; maxRate: number | null } | null
  /** Kefu: acked message ids looked up in the SQLite file after `kill -9` under load. */
  durability: { method: string; latencyAcked: number; latencyFound: number; burstAcked: number; burstFound: number } | null
  bytes: { perMessage: number; frames: LoadResult['frames'] } | null
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)

function p99BySecond(results: LoadResult[]): number[] {
  const bySecond: number[][] = []
  for (const r of results) r.delivery.forEach((ms, i) => (bySecond[r.deliverySecond[i]!] ??= []).push(ms))
  return Array.from(bySecond, (xs) => round(summarize(xs ?? []).p99, 1))
}

function mergeLoad(results: LoadResult[], rate: number): LoadSummary & { ids: string[] } {
  const elapsedMs = Math.max(...results.map((r) => r.elapsedMs))
  const sent = sum(results.map((r) => r.sent))
  return {
    rate,
    achievedRate: elapsedMs > 0 ? (sent / elapsedMs) * 1000 : 0,
    sent,
    sentVisitor: sum(results.map((r) => r.sentVisitor)),
    sentAgent: sum(results.map((r) => r.sentAgent)),
    acked: sum(results.map((r) => r.acked)),
    delivered: sum(results.map((r) => r.delivered)),
    errors: sum(results.map((r) => r.errors)),
    errorSamples: results.flatMap((r) => r.errorSamples).slice(0, 5),
    closes: sum(results.map((r) => r.closes)),
    elapsedMs,
    delivery: summarize(results.flatMap((r) => r.delivery)),
    secondsP99: p99BySecond(results),
    ack: summarize(results.flatMap((r) => r.ack)),
    ids: results.flatMap((r) => r.ids),
    bytesRead: sum(results.map((r) => r.bytesRead)),
    bytesWritten: sum(results.map((r) => r.bytesWritten)),
    frames: results[0]!.frames,
    cpuMs: sum(results.map((r) => r.cpuMs)),
    generatorLoopP99: Math.max(...results.map((r) => r.loopP99)),
  }
}

/** Why a step does not count: lost, refused or late messages, or a generator that could not keep the rate. */
function verdict(s: LoadSummary, p99Ms: number): { pass: boolean; why: string } {
  if (s.errors > 0) return { pass: false, why: `${s.errors} error frames` }
  if (s.closes > 0) return { pass: false, why: `${s.closes} sockets closed` }
  if (s.acked < s.sent || s.delivered < s.sent) return { pass: false, why: `${s.sent - Math.min(s.acked, s.delivered)} of ${s.sent} not acked/delivered within the drain` }
  if (s.achievedRate < s.rate * 0.95) return { pass: false, why: `generator reached only ${Math.round(s.achievedRate)}/s` }
  if (s.delivery.p99 > p99Ms) return { pass: false, why: `p99 ${s.delivery.p99.toFixed(1)} ms > ${p99Ms} ms` }
  return { pass: true, why: '' }
}

/** The list of sites, agent tokens (Kefu: session tokens; baseline: the site key) per worker. */
async function setUp(kind: TargetKind, server: ServerProcess, dataDir: string, workers: number) {
  const sites = Array.from({ length: workers }, (_, i) => `bench-w${i}`)
  const fanSite = 'bench-fan'
  if (kind === 'baseline') return { sites, fanSite, agentTokens: sites, fanToken: fanSite }
  const env = { KEFU_DATA_DIR: dataDir }
  const login = async (email: string) => {
    const res = await fetch(`${server.url}/api/agent/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: AGENT_PASSWORD }) })
    if (!res.ok) throw new Error(`login ${email}: ${res.status} ${await res.text()}`)
    return ((await res.json()) as { token: string }).token
  }
  // The documented admin path (`npm run kefu -- site add / agent add`), run while the server is up.
  const agentTokens: string[] = []
  for (const [i, site] of [...sites, fanSite].entries()) {
    await runCli(['site', 'add', site, '--name', site], env)
    const email = `agent${i}@bench.local`
    await runCli(['agent', 'add', email, '--name', `Agent ${i}`, '--password', AGENT_PASSWORD, '--site', site], env)
    agentTokens.push(await login(email))
  }
  const fanToken = agentTokens.pop()!
  return { sites, fanSite, agentTokens, fanToken }
}

/** Runs every scenario against one target (a fresh server process and fresh workers). */
export async function runTarget(kind: TargetKind, params: Params, options: RunOptions): Promise<TargetResult> {
  const { log } = options
  const dataDir = mkdtempSync(join(tmpdir(), `kefu-bench-${kind}-`))
  const server = await startServer(kind, {
    nodeFlags: options.nodeFlags,
    env: {
      KEFU_DATA_DIR: dataDir, KEFU_DEMO: '0', KEFU_SQLITE_SYNC: 'NORMAL', KEFU_LOG_LEVEL: 'warn', KEFU_ADMIN_PASSWORD: AGENT_PASSWORD,
      // Every socket and REST call comes from loopback: per-IP and per-socket limits would throttle the generator.
      KEFU_RATE_SESSION: '0', KEFU_RATE_LOGIN: '0', KEFU_RATE_SEND: '0',
    },
  })
  const workers: Worker[] = []
  try {
    const W = params.workers
    const { sites, fanSite, agentTokens, fanToken } = await setUp(kind, server, dataDir, W)
    for (let i = 0; i < W; i++) workers.push(startWorker(i))
    const each = <T>(fn: (w: Worker, i: number) => Promise<T>) => Promise.all(workers.map((w, i) => fn(w, i)))
    await each((w, i) =>
      w.call({
        type: 'init', worker: i, kind, base: server.url,
        localAddresses: Array.from({ length: params.addressesPerWorker }, (_, k) => `127.0.0.${2 + i * params.addressesPerWorker + k}`),
      }),
    )
    const share = (total: number, i: number) => Math.floor(total / W) + (i < total % W ? 1 : 0)

    // 1. Idle: every visitor identified (hello with a minted token, welcome back). Memory after a full GC,
    // marginal: measured between half and all of the sockets, so one-time growth (young generation, code,
    // malloc arenas, SQLite cache) is not charged to the connections.
    log(`${kind}: idle, ${params.idle.visitors} visitors`)
    await each((w, i) => w.call<ConnectResult>({ type: 'connectAgents', group: 'main', token: agentTokens[i]!, count: 1, concurrency: 1 }))
    const mintT0 = performance.now()
    const minted = await each((w, i) => w.call<MintResult>({ type: 'mint', group: 'main', site: sites[i]!, count: share(params.idle.visitors, i), concurrency: MINT_CONCURRENCY }))
    const mintMs = performance.now() - mintT0
    const mintFailed = sum(minted.map((m) => m.failed))
    if (mintFailed > 0) throw new Error(`${mintFailed} visitor sessions failed: ${minted.flatMap((m) => m.errors).join('; ')}`)
    const bytes0 = sum((await each((w) => w.call<{ read: number; written: number }>({ type: 'bytes' }))).map((b) => b.read + b.written))
    const connectHalf = async (count: number) => {
      const t0 = performance.now()
      const conns = await each((w, i) => w.call<ConnectResult>({ type: 'connectVisitors', group: 'main', site: sites[i]!, count: share(count, i), concurrency: CONNECT_CONCURRENCY }))
      return { conns, ms: performance.now() - t0 }
    }
    const firstHalf = Math.floor(params.idle.visitors / 2)
    const a = await connectHalf(firstHalf)
    await sleep(params.settleMs)
    const before = await server.mem()
    if (options.heapSnapshotPath) log(`heap snapshot: ${await server.heapSnapshot(`${options.heapSnapshotPath}-${kind}-half.heapsnapshot`)}`)
    const b = await connectHalf(params.idle.visitors - firstHalf)
    const bytes1 = sum((await each((w) => w.call<{ read: number; written: number }>({ type: 'bytes' }))).map((x) => x.read + x.written))
    await sleep(params.settleMs)
    const after = await server.mem()
    if (options.heapSnapshotPath) log(`heap snapshot: ${await server.heapSnapshot(`${options.heapSnapshotPath}-${kind}-all.heapsnapshot`)}`)
    const conns = [...a.conns, ...b.conns]
    const connections = sum(conns.map((c) => c.connected))
    const secondHalf = sum(b.conns.map((c) => c.connected))
    const connectMs = a.ms + b.ms
    const idle: IdleResult = {
      connections, failed: sum(conns.map((c) => c.failed)), errors: conns.flatMap((c) => c.errors).slice(0, 5),
      mintPerSec: kind === 'kefu' ? (connections / mintMs) * 1000 : null,
      connectMs, connectPerSec: (connections / connectMs) * 1000, before, after,
      rssPerConnection: (after.rss - before.rss) / secondHalf,
      rssPerConnectionExclYoung: (after.rss - before.rss - ((after.spaces.new_space ?? 0) - (before.spaces.new_space ?? 0))) / secondHalf,
      heapPerConnection: (after.heapUsed - before.heapUsed) / secondHalf,
      bytesPerConnection: (bytes1 - bytes0) / connections,
    }
    log(`${kind}: ${connections} connected in ${(connectMs / 1000).toFixed(1)} s; ${(idle.rssPerConnection / 1024).toFixed(2)} KB RSS (${(idle.rssPerConnectionExclYoung / 1024).toFixed(2)} KB without young-generation growth), ${(idle.heapPerConnection / 1024).toFixed(2)} KB heap each`)
    if (options.idleOnly) return { kind, idle, fanout: null, latency: null, throughput: null, durability: null, bytes: null }

    // Down to the visitors of scenarios 2 and 3 (the server may hold 20,000 open files: 18,000 idle visitors
    // and 5,000 fan-out receivers at once would not fit).
    await each((w, i) => w.call({ type: 'trim', group: 'main', keep: share(params.latency.visitors, i), agents: false }))

    // 4. Fan-out, with those visitors still connected: one visitor's messages to a site room of many agent sockets.
    log(`${kind}: fan-out to ${params.fanout.receivers} agent sockets`)
    await workers[0]!.call<MintResult>({ type: 'mint', group: 'fan', site: fanSite, count: 1, concurrency: 1 })
    const fanConn = await workers[0]!.call<ConnectResult>({ type: 'connectVisitors', group: 'fan', site: fanSite, count: 1, concurrency: 1 })
    const fanAgents = await each((w, i) => w.call<ConnectResult>({ type: 'connectAgents', group: 'fan', token: fanToken, count: share(params.fanout.receivers, i), concurrency: CONNECT_CONCURRENCY }))
    const receivers = sum(fanAgents.map((c) => c.connected))
    if (fanConn.connected !== 1 || receivers !== params.fanout.receivers) throw new Error(`fan-out sockets: ${JSON.stringify([fanConn, fanAgents])}`)
    // The first message opens the conversation (a `conversation` frame to every agent): not measured.
    await workers[0]!.call<FanSendResult>({ type: 'fanSend', group: 'fan', count: 1, intervalMs: params.settleMs })
    await each((w) => w.call<FanCollectResult>({ type: 'fanCollect' }))
    const fanSent = await workers[0]!.call<FanSendResult>({ type: 'fanSend', group: 'fan', count: params.fanout.messages, intervalMs: params.fanout.intervalMs })
    await sleep(params.drainMs)
    const receipts = (await each((w) => w.call<FanCollectResult>({ type: 'fanCollect' }))).flatMap((c) => c.receipts)
    const sentAt = new Map(fanSent.sent.map((s) => [s.tag, s.at]))
    const lastAt = new Map<string, number>()
    const receiptMs: number[] = []
    for (const r of receipts) {
      const t0 = sentAt.get(r.tag)
      if (t0 === undefined) continue
      receiptMs.push(r.at - t0)
      lastAt.set(r.tag, Math.max(lastAt.get(r.tag) ?? 0, r.at - t0))
    }
    const toAll = summarize([...lastAt.values()])
    const fanout: FanoutResult = {
      receivers, messages: params.fanout.messages, receipts: receiptMs.length, expected: receivers * params.fanout.messages,
      receipt: summarize(receiptMs), toAll, deliveriesPerSec: (receivers / toAll.mean) * 1000,
    }
    await each((w) => w.call({ type: 'trim', group: 'fan', keep: 0, agents: true }))
    // The 13,000 sockets just closed (full mode) are old-generation garbage: left to the server's own GC, its
    // marking ran through the first throughput steps (20-56 ms loop delays, 25 % more CPU per message than a
    // server that never had them). A full GC here (the memory probe's) starts both targets' load phases clean.
    await sleep(params.settleMs)
    await server.mem()
    log(`${kind}: fan-out p50 ${fanout.receipt.p50.toFixed(1)} ms, all ${receivers} in ${fanout.toAll.mean.toFixed(1)} ms (mean)`)

    // Scenarios 2 and 3 with `latency.visitors` connected, each of whom has opened a conversation.
    log(`${kind}: warm-up, one message per visitor (opens ${params.latency.visitors} conversations)`)
    const warm = await each((w) => w.call<{ sent: number; acked: number; ms: number }>({ type: 'warmup', group: 'main', rate: params.latency.warmupRate / W }))
    const warmup = { sent: sum(warm.map((x) => x.sent)), acked: sum(warm.map((x) => x.acked)), ms: Math.max(...warm.map((x) => x.ms)) }
    await sleep(params.settleMs)
    const step = async (rate: number, durationMs: number, recordIds: boolean, expectClose = false) => {
      await server.loop()
      const stall0 = cpuStallUs()
      const jiffies0 = cpuJiffies()
      const t0 = performance.now()
      const results = await each((w) => w.call<LoadResult>({ type: 'load', group: 'main', rate: rate / W, durationMs, agentShare: params.agentShare, drainMs: params.drainMs, recordIds, expectClose }))
      const probe = expectClose ? { cpuMs: NaN, systemMs: NaN, loopP50: NaN, loopP99: NaN, loopMax: NaN, gcMs: NaN, gcMaxMs: NaN, majorGcs: NaN, bySecond: [] as SecondProbe[] } : await server.loop()
      const stall1 = cpuStallUs()
      const jiffies1 = cpuJiffies()
      const cpuPressure = stall0 === null || stall1 === null ? null : (stall1 - stall0) / 1000 / (performance.now() - t0)
      const cpuSteal = jiffies0 && jiffies1 && jiffies1.total > jiffies0.total ? (jiffies1.steal - jiffies0.steal) / (jiffies1.total - jiffies0.total) : null
      const merged = mergeLoad(results, rate)
      const slow = merged.secondsP99.flatMap((p99, i) => (p99 > params.throughput.p99Ms ? [i] : []))
      const lockSeconds = slow.filter((i) => serverAround(probe.bySecond, i).lockWaitMs >= LOCK_WAIT_NOTED_MS).length
      return { ...merged, server: probe, cpuPressure, cpuSteal, slowSeconds: slow.length, lockSeconds, ...verdict(merged, params.throughput.p99Ms) }
    }
    if (options.profileDir) await server.profile(null)
    // 3. Throughput first, on a server no saturated phase has left a backlog or a long WAL behind: rising
    // rates until p99 passes the limit (or something is lost) twice in a row.
    const steps: StepResult[] = []
    for (const rate of params.throughput.rates) {
      for (let reruns = 0; ; reruns++) {
        if (steps.length > 0) await sleep(params.settleMs)
        const { ids: _ids, ...s } = await step(rate, params.throughput.stepMs, false)
        const rerun = !s.pass && (s.cpuSteal ?? 0) > STEAL_MAX && reruns < STEAL_RERUNS
        steps.push(rerun ? { ...s, rerun, why: `${s.why}, with ${(s.cpuSteal! * 100).toFixed(0)} % of the CPUs stolen by the hypervisor: run again` } : s)
        log(`${kind}: throughput ${describeStep(steps.at(-1)!)}`)
        if (!rerun) break
      }
      // One failing step may be a blip of this shared machine; two in a row end the search.
      const counted = steps.filter((s) => !s.rerun)
      if (counted.length > 1 && !counted.at(-1)!.pass && !counted.at(-2)!.pass) break
    }
    const passing = steps.filter((s) => s.pass)
    const throughput = { visitors: params.latency.visitors, steps, maxRate: passing.length ? Math.max(...passing.map((s) => s.rate)) : null }

    // 2. Then the delivery latency at the target rate (which may saturate the server), after a full GC like
    // the one above: the backlogs of the throughput steps past the server's limit leave old-generation
    // garbage, whose marking would otherwise run in this phase (RESULTS.md, item 36).
    await sleep(params.settleMs)
    await server.mem()
    log(`${kind}: latency at ${params.latency.rate}/s for ${params.latency.durationMs / 1000} s`)
    const { ids: latencyIds, ...lat } = await step(params.latency.rate, params.latency.durationMs, kind === 'kefu')
    log(`${kind}: ${describeStep(lat)}`)
    const latency = { ...lat, visitors: params.latency.visitors, warmup }
    if (options.profileDir) log(`${kind}: cpu profile ${String(await server.profile(join(options.profileDir, `${kind}-${Date.now()}.cpuprofile`)))}`)

    // Durability: every acked id must be in the file, also after `kill -9` in the middle of a burst.
    let durability: TargetResult['durability'] = null
    if (kind === 'kefu') {
      const method = `kill -9 after ${params.killBurstMs / 2} ms of a ${params.latency.rate}/s burst`
      await sleep(params.settleMs)
      const killer = sleep(params.killBurstMs / 2).then(() => server.kill9())
      const burst = await step(params.latency.rate, params.killBurstMs, true, true)
      await killer
      const burstIds = burst.ids
      const found = countStored(join(dataDir, 'kefu.db'), [latencyIds, burstIds])
      durability = { method, latencyAcked: latencyIds.length, latencyFound: found[0]!, burstAcked: burstIds.length, burstFound: found[1]! }
      log(`${kind}: durability: ${found[0]}/${latencyIds.length} latency-phase acks and ${found[1]}/${burstIds.length} burst acks found after ${method}`)
    }
    const perMessage = (latency.bytesRead + latency.bytesWritten) / latency.sent
    return { kind, idle, fanout, latency, throughput, durability, bytes: { perMessage, frames: latency.frames } }
  } catch (error) {
    log(`${kind} server output:\n${server.output()}`)
    throw error
  } finally {
    await Promise.all(workers.map((w) => w.exit()))
    await server.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

/** How many of each list of message ids are in the messages table. */
function countStored(file: string, lists: string[][]): number[] {
  const db = new Database(file, { readonly: true, fileMustExist: true })
  try {
    const has = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM messages WHERE id = ?')
    return lists.map((ids) => ids.reduce((n, id) => n + (has.get(id) ? 1 : 0), 0))
  } finally {
    db.close()
  }
}

export type { Group }
