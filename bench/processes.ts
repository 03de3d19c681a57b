import { fork, spawn, type ChildProcess } from 'node:child_process'
import { setPriority } from 'node:os'
import { resolve } from 'node:path'
import { exitChild, freePort, waitReady } from '../e2e/kefu-process.ts'
import type { Command, Reply, TargetKind } from './ipc.ts'
import type { LoopProbe, MemProbe, Probe } from './server-entry.ts'

export const ROOT = resolve(import.meta.dirname, '..')
const STOP_TIMEOUT_MS = 10_000

/** Every child this process started, so that an error or Ctrl-C leaves no stray servers or workers. */
const children = new Set<ChildProcess>()
let cleanupInstalled = false
function track(child: ChildProcess): void {
  children.add(child)
  child.once('exit', () => children.delete(child))
  if (cleanupInstalled) return
  cleanupInstalled = true
  const killAll = () => {
    for (const c of children) c.kill('SIGKILL')
  }
  process.once('exit', killAll)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll()
      process.exit(130)
    })
  }
}

/** An IPC request/response channel over a child's `process.send`. */
function rpc<Req, Res>(child: ChildProcess, wrap: (id: number, req: Req) => unknown): (req: Req) => Promise<Res> {
  let nextId = 1
  const waiting = new Map<number, { resolve: (r: Res) => void; reject: (e: Error) => void }>()
  child.on('message', (msg: { id: number; ok?: boolean; result?: unknown; error?: string }) => {
    const w = waiting.get(msg.id)
    if (!w) return
    waiting.delete(msg.id)
    if (msg.ok === false) w.reject(new Error(msg.error))
    else w.resolve(msg.result as Res)
  })
  child.once('exit', (code, signal) => {
    for (const w of waiting.values()) w.reject(new Error(`child ${child.pid} exited (${code ?? signal}) with a request pending`))
    waiting.clear()
  })
  return (req) =>
    new Promise<Res>((resolve, reject) => {
      const id = nextId++
      waiting.set(id, { resolve, reject })
      child.send(wrap(id, req) as object)
    })
}

export type ServerProcess = {
  kind: TargetKind
  url: string
  pid: number
  output(): string
  mem(): Promise<MemProbe>
  /** CPU and event-loop delay since the previous call. */
  loop(): Promise<LoopProbe>
  heapSnapshot(path: string): Promise<string>
  /** Starts a CPU profile (null), or stops it and writes it to `path`. */
  profile(path: string | null): Promise<unknown>
  kill9(): Promise<void>
  stop(): Promise<void>
}

export type ServerOptions = { env: Record<string, string>; nodeFlags: string[] }

/** Starts `bench/server-entry.ts <kind>` as its own process on a free loopback port and waits until it answers. */
export async function startServer(kind: TargetKind, options: ServerOptions): Promise<ServerProcess> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const child = spawn(process.execPath, ['--expose-gc', ...options.nodeFlags, '--import', 'tsx', 'bench/server-entry.ts', kind], {
    cwd: ROOT,
    env: { ...process.env, ...options.env, PORT: String(port), HOST: '127.0.0.1', KEFU_PUBLIC_URL: url },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  track(child)
  let out = ''
  child.stdout!.on('data', (d) => (out = (out + d).slice(-20_000)))
  child.stderr!.on('data', (d) => (out = (out + d).slice(-20_000)))
  const probe = rpc<Probe, unknown>(child, (id, probe) => ({ id, probe }))
  await waitReady(child, url + (kind === 'kefu' ? '/readyz' : '/healthz'), kind, () => out)
  const exit = (signal: NodeJS.Signals) => exitChild(child, signal, STOP_TIMEOUT_MS)
  return {
    kind, url, pid: child.pid!,
    output: () => out,
    mem: () => probe({ type: 'mem' }) as Promise<MemProbe>,
    loop: () => probe({ type: 'loop' }) as Promise<LoopProbe>,
    heapSnapshot: (path) => probe({ type: 'snapshot', path }) as Promise<string>,
    profile: (path) => probe({ type: 'profile', path }),
    kill9: () => exit('SIGKILL'),
    stop: () => exit('SIGTERM'),
  }
}

export type Worker = { index: number; call<T>(cmd: Command): Promise<T>; exit(): Promise<void> }

/**
 * The generator's processes run at this nice value, the servers at 0. On this 2-core machine the server's one
 * busy thread shares the CPUs with the four generator processes, and the scheduler gives a CPU first to
 * whoever has used least, which is never that thread: in the slow seconds at 5,000/s its group commits waited
 * 3–20 ms for a CPU (its /proc schedstat around each commit). Two interleaved pairs of 60 s phases at 5,000/s:
 * p99 22.0 and 12.2 ms with the generator at nice 10, 54.0 and 23.3 ms without (bench/RESULTS.md, item 40).
 * A server on its own host does not compete with its clients. Both servers get the same, and a generator held
 * up counts against the server (its receive times are the latencies), never for it.
 */
export const GENERATOR_NICE = 10

/** Forks a load-generator worker (bench/worker.ts). */
export function startWorker(index: number): Worker {
  const child = fork(resolve(ROOT, 'bench/worker.ts'), [], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  track(child)
  setPriority(child.pid!, GENERATOR_NICE) // its main thread, which does the work
  const call = rpc<Command, unknown>(child, (id, cmd) => ({ id, cmd }))
  return {
    index,
    call: <T>(cmd: Command) => call(cmd) as Promise<T>,
    exit: () =>
      new Promise<void>((res) => {
        if (child.exitCode !== null || child.signalCode !== null) return res()
        child.once('exit', () => res())
        call({ type: 'exit' }).catch(() => undefined)
        setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS).unref()
      }),
  }
}
