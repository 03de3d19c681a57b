import { subscribe } from 'node:diagnostics_channel'
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks'
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8'
import type { LockWait } from '../server/store/appender.ts'
import type { WalRestart } from '../server/store/checkpointer.ts'

/**
 * Starts a server under test (Kefu's production entry, or the bare `ws` baseline) unchanged, and answers
 * the runner's probes over the IPC channel: memory after a full GC, CPU time and event-loop delay.
 * Needs `--expose-gc`. When the runner goes away, the server shuts down as on SIGTERM.
 */
/** `profile`: start a CPU profile (path null), or stop it and write it to `path`. */
export type Probe = { type: 'mem' } | { type: 'loop' } | { type: 'snapshot'; path: string } | { type: 'profile'; path: string | null }
/** `spaces`: physical size of each V8 heap space (the young generation's size is a GC setting, not per connection). */
export type MemProbe = { rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number; spaces: Record<string, number> }
/** `cpuMs`: user and system CPU of the whole process (all threads), `systemMs` the kernel's part of it. `gc*`: V8's pauses since the last probe (all kinds; `majorGcs` counts the mark-compacts), to tell a stall of the loop that was GC from one that was not. */
export type LoopProbe = {
  cpuMs: number; systemMs: number; loopP50: number; loopP99: number; loopMax: number; gcMs: number; gcMaxMs: number; majorGcs: number
  /** The same by second since the last probe (a phase's second i starts a few ms before its generator's): to tell what a slow second of the report was. */
  bySecond: SecondProbe[]
}
/**
 * One second of the server: its loop's longest delay (from a 50 ms timer's lateness) and V8's GC pauses in it;
 * for Kefu also the time its checkpointer spent in WAL RESTARTs begun in it, and the time group commits waited
 * for SQLite's write lock from it (store/checkpointer.ts, store/appender.ts: diagnostics channels). A slow
 * second with a free loop and a long lock wait was the store, not the server's CPU.
 */
export type SecondProbe = { loopMax: number; gcMs: number; restartMs: number; lockWaitMs: number }

/** Event-loop delay sampling: fine enough to see GC pauses and long batches, cheap enough not to load the server. */
const LOOP_RESOLUTION_MS = 5

const target = process.argv[2]
const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS })
loop.enable()
let cpu = process.cpuUsage()
const gcs = { ms: 0, maxMs: 0, major: 0 }
// Seconds since the last probe: a timer's lateness is a delay of the loop, charged to the second it began in.
const SECOND_TICK_MS = 50
let since = performance.now()
let bySecond: SecondProbe[] = []
const NO_SECOND: SecondProbe = { loopMax: 0, gcMs: 0, restartMs: 0, lockWaitMs: 0 }
const secondAt = (t: number): SecondProbe => (bySecond[Math.max(0, Math.floor((t - since) / 1000))] ??= { ...NO_SECOND })
// Kefu's store publishes these (epoch ms); the bare relay never does.
subscribe('kefu:sqlite:wal-restart', (m) => (secondAt((m as WalRestart).at - performance.timeOrigin).restartMs += (m as WalRestart).ms))
subscribe('kefu:sqlite:lock-wait', (m) => (secondAt((m as LockWait).at - performance.timeOrigin).lockWaitMs += (m as LockWait).ms))
let tickDue = performance.now() + SECOND_TICK_MS
setInterval(() => {
  const now = performance.now()
  const late = Math.max(0, now - tickDue)
  tickDue = now + SECOND_TICK_MS
  const second = secondAt(now - late)
  second.loopMax = Math.max(second.loopMax, late)
}, SECOND_TICK_MS).unref()
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    secondAt(entry.startTime).gcMs += entry.duration
    gcs.ms += entry.duration
    gcs.maxMs = Math.max(gcs.maxMs, entry.duration)
    if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) gcs.major++
  }
}).observe({ entryTypes: ['gc'] })

const inspector = new Session()
inspector.connect()
const gc = (globalThis as { gc?: () => void }).gc
process.on('message', (msg: { id: number; probe: Probe }) => {
  if (msg.probe.type === 'mem') {
    gc?.()
    gc?.()
    const m = process.memoryUsage()
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, s.physical_space_size]))
    process.send!({ id: msg.id, result: { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, spaces } satisfies MemProbe })
  } else if (msg.probe.type === 'profile') {
    const path = msg.probe.path
    if (path === null) {
      inspector.post('Profiler.enable', () => inspector.post('Profiler.start', () => process.send!({ id: msg.id, result: null })))
    } else {
      inspector.post('Profiler.stop', (error, result) => {
        if (!error) writeFileSync(path, JSON.stringify(result.profile))
        process.send!({ id: msg.id, result: error ? String(error) : path })
      })
    }
  } else if (msg.probe.type === 'snapshot') {
    process.send!({ id: msg.id, result: writeHeapSnapshot(msg.probe.path) })
  } else {
    const used = process.cpuUsage(cpu)
    const result: LoopProbe = {
      cpuMs: (used.user + used.system) / 1000, systemMs: used.system / 1000, loopP50: loop.percentile(50) / 1e6, loopP99: loop.percentile(99) / 1e6, loopMax: loop.max / 1e6,
      gcMs: gcs.ms, gcMaxMs: gcs.maxMs, majorGcs: gcs.major, bySecond: Array.from(bySecond, (x) => x ?? { ...NO_SECOND }),
    }
    since = performance.now()
    bySecond = []
    loop.reset()
    Object.assign(gcs, { ms: 0, maxMs: 0, major: 0 })
    cpu = process.cpuUsage()
    process.send!({ id: msg.id, result })
  }
})
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'))

if (target === 'kefu') await import('../server/main.ts')
else if (target === 'baseline') await import('./baseline-server.ts')
else throw new Error(`server-entry: unknown target ${String(target)}`)
