import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

/**
 * Runs WAL checkpoints on a worker thread with its own connection. A checkpoint fsyncs the database file;
 * on the main thread (SQLite's auto-checkpoint inside a COMMIT) that fsync stalls every socket for as
 * long as the disk takes. PASSIVE never blocks the writer; the WAL is reused once fully checkpointed.
 * Under steady writes a PASSIVE pass never ends with nothing new in the WAL, so the WAL would grow without
 * bound (measured: 2 GB for a 20 MB database after 12 s at 5,000 appends/s, every page lookup slower as
 * it grew); past WAL_RESTART_FRAMES a RESTART follows the PASSIVE pass: it holds writers back only while
 * it copies what came in since, and makes the next writer start the WAL from the beginning.
 */
export type Checkpointer = { close(): Promise<void> }

/**
 * How often the worker checkpoints. Each checkpoint ends with an fsync of the database file, and while the
 * filesystem commits it the main thread's WAL writes wait (ext4 journal); small, frequent checkpoints keep
 * those waits short. 2,000 appends/s: commit p99 16-19 ms (max 58-106) every 1 s, 8 ms (max 37) every
 * 250 ms, 6 ms (max 36) every 100 ms.
 */
export const CHECKPOINT_EVERY_MS = 100
/** WAL frames (pages) in the log at a PASSIVE pass above which a RESTART follows: 16,384 × 4 KiB = 64 MiB. */
const WAL_RESTART_FRAMES = 16_384

// Plain CommonJS so the worker needs no TypeScript loader (tests, tsx and node all run it as is).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.filename)
// Never waits for a lock: a RESTART that would have to wait for the writer, or for readers, gives up and is
// tried again on the next tick. Waiting held the write lock while the event loop's commits slept in their
// busy handler (stalls of 10-700 ms, perf trace), and PASSIVE never waits anyway.
db.pragma('busy_timeout = 0')
parentPort.on('message', (m) => {
  if (m === 'close') { db.close(); parentPort.close(); return }
  try {
    const [passive] = db.pragma('wal_checkpoint(PASSIVE)')
    if (passive && passive.log > workerData.restartFrames) db.pragma('wal_checkpoint(RESTART)')
  } catch (e) { parentPort.postMessage(String(e && e.message)) }
})
`

export function startCheckpointer(filename: string, onError: (message: string) => void, everyMs = CHECKPOINT_EVERY_MS): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3')
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { filename, driver, restartFrames: WAL_RESTART_FRAMES } })
  let exited = false
  worker.on('message', (m: string) => onError(m))
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
