import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '..')
const READY_TIMEOUT_MS = 30_000

export const ADMIN_EMAIL = 'admin@kefu.local'
export const ADMIN_PASSWORD = 'e2e-password-123'

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer()
    srv.once('error', rej)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => res(port))
    })
  })
}

/** Polls `probeUrl` until it answers 2xx; fails at once if `child` exits, or after READY_TIMEOUT_MS. */
export async function waitReady(child: ChildProcess, probeUrl: string, what: string, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}:\n${output()}`)
    if (Date.now() > deadline) throw new Error(`${what} not ready in ${READY_TIMEOUT_MS} ms:\n${output()}`)
    try {
      if ((await fetch(probeUrl)).ok) return
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Sends `signal` and resolves once the child has exited; SIGKILL follows after `forceAfterMs`, if given. */
export function exitChild(child: ChildProcess, signal: NodeJS.Signals, forceAfterMs?: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = forceAfterMs === undefined ? null : setTimeout(() => child.kill('SIGKILL'), forceAfterMs)
    child.once('exit', () => {
      if (timer) clearTimeout(timer)
      resolve()
    })
    child.kill(signal)
  })
}

export type KefuProcess = {
  url: string
  port: number
  dataDir: string
  /** Output of the current process, for failure messages. */
  output(): string
  /** `kill -9`: no shutdown hook runs. */
  kill9(): Promise<void>
  /** Starts again on the same port and data folder. */
  start(): Promise<void>
  /** SIGTERM, then the data folder is removed. */
  stop(): Promise<void>
}

/** A real Kefu server as its own process (`tsx server/main.ts`), on a free loopback port and a fresh data folder. */
export async function startKefu(env: Record<string, string> = {}): Promise<KefuProcess> {
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), 'kefu-e2e-'))
  const url = `http://127.0.0.1:${port}`
  let child: ChildProcess | null = null
  let out = ''

  async function start(): Promise<void> {
    out = ''
    // node itself (not the tsx wrapper), so that kill -9 hits the server and not a parent of it.
    child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        KEFU_DATA_DIR: dataDir,
        KEFU_PUBLIC_URL: url,
        KEFU_ADMIN_PASSWORD: ADMIN_PASSWORD,
        KEFU_LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout!.on('data', (d) => (out += d))
    child.stderr!.on('data', (d) => (out += d))
    await waitReady(child, `${url}/readyz`, 'kefu', () => out)
  }

  function exit(signal: NodeJS.Signals): Promise<void> {
    const c = child
    child = null
    return c ? exitChild(c, signal) : Promise.resolve()
  }

  await start()
  const stop = async () => {
    await exit('SIGTERM')
    rmSync(dataDir, { recursive: true, force: true })
  }
  return { url, port, dataDir, output: () => out, kill9: () => exit('SIGKILL'), start, stop }
}
