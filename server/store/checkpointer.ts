import { channel } from 'node:diagnostics_channel'
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

/**
 * Runs WAL checkpoints on a worker thread with its own connection. A checkpoint fsyncs the database file;
 * on the main thread (SQLite's auto-checkpoint inside a COMMIT) that fsync stalls every socket for as
 * long as the disk takes. PASSIVE never blocks the writer; the WAL is reused once fully checkpointed.
 * Under steady writes a PASSIVE pass never ends with nothing new in the WAL, so the WAL would grow without
 * bound (measured: 2 GB for a 20 MB database after 12 s at 5,000 appends/s, every page lookup slower as
 * it grew); past `restartFrames` a RESTART follows: it holds writers back while it copies what is left,
 * syncs, and makes the next writer start the WAL from the beginning.
 *
 * That hold is what a busy server's messages feel (bench/RESULTS.md, item 35): a RESTART straight after
 * a PASSIVE pass found the frames written during that pass (~12 ms of commits) and held the writer 25–80 ms,
 * every ~2 s at 5,000 messages/s (past the former 64 MiB). So more PASSIVE passes run first, while writers
 * go on, each copying what came in during the last, until one finds little new; and RESTARTs are rarer (a
 * larger WAL costs disk, not reads: a reader looks up only the frames not yet checkpointed).
 */
export type Checkpointer = { close(): Promise<void> }

/**
 * How often the worker checkpoints. Each checkpoint ends with an fsync of the database file, and while the
 * filesystem commits it the main thread's WAL writes wait (ext4 journal); small, frequent checkpoints keep
 * those waits short. 2,000 appends/s: commit p99 16-19 ms (max 58-106) every 1 s, 8 ms (max 37) every
 * 250 ms, 6 ms (max 36) every 100 ms.
 */
export const CHECKPOINT_EVERY_MS = 100
/** WAL frames (pages) in the log at a PASSIVE pass above which a RESTART follows: 65,536 × 4 KiB = 256 MiB. */
const WAL_RESTART_FRAMES = 65_536
/** Catch-up passes before a RESTART stop once a pass finds at most this many new frames (or after CATCH_UP_PASSES). */
const CATCH_UP_DONE_FRAMES = 64
const CATCH_UP_PASSES = 3
/** A RESTART that found the write lock taken (a commit of the main thread) is tried again this often, 2 ms apart. */
const RESTART_TRIES = 5

// Plain CommonJS so the worker needs no TypeScript loader (tests, tsx and node all run it as is).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.filename)
// Never waits in SQLite's busy handler: a RESTART that would have to wait for the writer, or for readers, gives
// up at once, and is tried again 2 ms later (a few times), then on the next tick. Waiting held the write lock
// while the event loop's commits slept in their busy handler (stalls of 10-700 ms, perf trace), and PASSIVE
// never waits anyway.
db.pragma('busy_timeout = 0')
const checkpoint = (mode) => db.pragma('wal_checkpoint(' + mode + ')')[0]
const pause = new Int32Array(new SharedArrayBuffer(4))
const sleep = (ms) => Atomics.wait(pause, 0, 0, ms)
parentPort.on('message', (m) => {
  if (m === 'close') { db.close(); parentPort.close(); return }
  try {
    let pass = checkpoint('PASSIVE')
    if (!pass || pass.log <= workerData.restartFrames) return
    for (let i = 0; i < ${CATCH_UP_PASSES}; i++) {
      const before = pass.log
      pass = checkpoint('PASSIVE')
      if (pass.log - before <= ${CATCH_UP_DONE_FRAMES}) break
    }
    const started = performance.now()
    let tries = 0
    let busy = true
    for (; busy && tries < ${RESTART_TRIES}; tries++) {
      if (tries > 0) sleep(2)
      busy = checkpoint('RESTART').busy !== 0
    }
    parentPort.postMessage({ restart: { at: performance.timeOrigin + started, ms: performance.now() - started, tries, done: !busy } })
  } catch (e) { parentPort.postMessage({ error: String(e && e.message) }) }
})
`

/**
 * Each RESTART, published on the `kefu:sqlite:wal-restart` diagnostics channel when someone listens (the
 * benchmark charges it to its second): `at` its start (epoch ms), `ms` how long it took with its tries, in
 * which the main thread's commits wait for the write lock; `done` false when every try found it busy.
 */
export type WalRestart = { at: number; ms: number; tries: number; done: boolean }
export const walRestarts = channel('kefu:sqlite:wal-restart')

export type CheckpointerOptions = { everyMs?: number; restartFrames?: number }

export function startCheckpointer(filename: string, onError: (message: string) => void, options: CheckpointerOptions = {}): Checkpointer {
  const { everyMs = CHECKPOINT_EVERY_MS, restartFrames = WAL_RESTART_FRAMES } = options
  const driver = createRequire(import.meta.url).resolve('better-sqlite3')
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { filename, driver, restartFrames } })
  let exited = false
  worker.on('message', (m: { error: string } | { restart: WalRestart }) => {
    if ('error' in m) onError(m.error)
    else if (walRestarts.hasSubscribers) walRestarts.publish(m.restart)
  })
  worker.on('error', (e) => onError(e.message))
  worker.on('exit', () => (exited = true))
  worker.unref()
  const timer = setInterval(() => worker.postMessage('tick'), everyMs)
  timer.unref()
  return {
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer)
        if (exited) return resolve()
        worker.once('exit', () => resolve())
        // Unref'd while running; held while closing, or a short-lived process ends before the worker does.
        worker.ref()
        worker.postMessage('close')
      }),
  }
}
