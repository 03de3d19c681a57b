import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { AppenderOptions } from './appender.ts'
import type { ConnectionSettings } from './sql.ts'
import { ConflictError, NotFoundError, type AppendInput, type AppendResult } from './store.ts'

/**
 * Appends committed on a worker thread with its own connection (store/writer-thread.ts), when
 * `KEFU_SQLITE_WRITER_THREAD=1` (server/README.md, "Where appends commit"). SQLite's part of
 * an append (the reads, the insert, the WAL write of each commit) was about a third of the event loop's
 * time at 5,000 messages/s, and a loop that busy queues every burst (bench/RESULTS.md). Appends made in
 * one event-loop turn go over in one message; the thread sends back the results of each commit together.
 */
export type Writer = {
  append(input: AppendInput): Promise<AppendResult>
  /** Tells the thread to turn on SQLite's own checkpoints (the checkpointer thread failed). */
  autocheckpoint(): void
  /** Commits what was sent, then ends the thread. */
  close(): Promise<void>
}

export type WriterData = { filename: string; settings: ConnectionSettings; appender: Omit<AppenderOptions, 'held'> }
export type AppendRequest = { id: number; input: AppendInput }
export type WriterError = { name: string; message: string; code: string | undefined }
export type WriterReply = { id: number; value: AppendResult } | { id: number; error: WriterError }

/** The errors callers tell apart keep their class across the thread boundary; SQLite's keep their code. */
function revive(e: WriterError): Error {
  if (e.name === 'NotFoundError') return new NotFoundError(e.message)
  if (e.name === 'ConflictError') return new ConflictError(e.message)
  return Object.assign(new Error(e.message), { code: e.code })
}

/**
 * The thread runs TypeScript through tsx's API, which works the same under `node --import tsx`, tsx and
 * vitest (a `--import tsx` in the worker's execArgv did not apply to its entry module on Node 20).
 */
function bootstrap(): string {
  const tsxApi = createRequire(import.meta.url).resolve('tsx/package.json').replace(/package\.json$/, 'dist/esm/api/index.mjs')
  const entry = new URL('./writer-thread.ts', import.meta.url).href
  return `import(${JSON.stringify(pathToFileURL(tsxApi).href)}).then((tsx) => tsx.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)}))`
}

/**
 * Starts the thread. `onExit` is called if the thread ends on its own (it failed): appends not yet answered
 * are rejected (their clients resend; a resend is recognised by its cid), and the store goes on without it.
 */
export function startWriter(data: WriterData, onExit: (error: Error) => void): Writer {
  const worker = new Worker(bootstrap(), { eval: true, workerData: data })
  const pending = new Map<number, { resolve: (r: AppendResult) => void; reject: (e: unknown) => void }>()
  let nextId = 0
  let outbox: AppendRequest[] = []
  let closing: Promise<void> | null = null
  let closed = (): void => {}
  let failure: Error | null = null
  let exited = false

  worker.unref() // held only while appends are pending, so a short script ends when its work is done
  worker.on('message', (m: WriterReply[] | 'closed') => {
    if (m === 'closed') return closed()
    for (const r of m) {
      const p = pending.get(r.id)!
      pending.delete(r.id)
      if ('error' in r) p.reject(revive(r.error))
      else p.resolve(r.value)
    }
    if (pending.size === 0) worker.unref()
  })
  worker.on('error', (e: Partial<Error> & { code?: string }) => {
    // An error thrown in the thread arrives as a copy, and SQLite's lose their message on the way.
    failure ??= Object.assign(new Error(`the writer thread failed: ${e.message || e.code || String(e)}`), { code: e.code })
  })
  worker.on('exit', (code) => {
    exited = true
    closed()
    const error = failure ?? new Error(`the writer thread exited (code ${code})`)
    for (const p of pending.values()) p.reject(error)
    pending.clear()
    if (!closing) onExit(error)
  })
  const post = (): void => {
    if (outbox.length === 0) return // close() sent them already
    worker.postMessage(outbox)
    outbox = []
  }

  return {
    append(input) {
      return new Promise<AppendResult>((resolve, reject) => {
        const id = nextId++
        if (pending.size === 0) worker.ref()
        pending.set(id, { resolve, reject })
        if (outbox.push({ id, input }) === 1) setImmediate(post)
      })
    },
    autocheckpoint() {
      worker.postMessage('autocheckpoint')
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        if (exited) return resolve()
        closed = resolve
        post()
        worker.ref()
        worker.postMessage('close')
      })
      return closing
    },
  }
}
