import { resolve } from 'node:path'
import { TIMING } from '../protocol/index.ts'

const REPO_ROOT = resolve(import.meta.dirname, '..')

/** Rate limits: requests per minute per key (IP or visitor). Generous enough for tests and NATed offices. */
export const RATE_LIMITS = {
  loginPerMinPerIp: 20,
  sessionPerMinPerIp: 120,
  identifyPerMinPerIp: 60,
  /** Messages one visitor socket may send per minute (bursts up to the same number); then `rate_limited`. */
  sendsPerMinPerSocket: 600,
} as const

/** Named server-side limits and intervals; protocol-level ones live in protocol/limits.ts. */
export const SERVER_LIMITS = {
  /** Largest REST body accepted (413 too_large above). */
  bodyBytesMax: 64 * 1024,
  /** ws `maxPayload`: frames above LIMITS.frameBytesMax but below this get `too_large`; above, ws closes 1009. */
  wsMaxPayload: 64 * 1024,
  /** Bad frames tolerated per socket before closing with CloseCode.Abuse. */
  badFramesMax: 20,
  /** Above this many buffered bytes a socket stops receiving ephemeral frames (typing). */
  ephemeralDropBytes: 256 * 1024,
  /** Above this many buffered bytes a socket is closed with CloseCode.Resume. */
  closeBufferedBytes: 1024 * 1024,
  /** Group commit: appends committed together in one transaction, at most this many. */
  appendBatchMax: 512,
  /** Agent sessions live this long. */
  agentSessionTtlMs: 30 * 24 * 60 * 60 * 1000,
  /** Visitor tokens live this long. */
  visitorTokenTtlSec: 365 * 24 * 60 * 60,
  /** Conversations listed in an agent's `welcome` and in GET /api/conversations. */
  conversationListMax: 500,
  /**
   * SQLite page cache per connection. Not larger: a commit that split a B-tree page has SQLite walk its whole
   * cache at the end of the transaction (server/README.md, "A small page cache"), which at 64 MiB was a tenth
   * of the server's CPU at 5,000 messages/s; SQLite's default 2 MB misses once the message indexes outgrow it.
   */
  sqliteCacheKiB: 8 * 1024,
  /** SQLite busy_timeout. */
  sqliteBusyTimeoutMs: 5_000,
  /**
   * The WAL file is cut back to this size when it restarts after a burst grew it past that. Well above what
   * the checkpointer lets it reach, since truncating a file waits for the filesystem (measured: 70-200 ms).
   */
  sqliteWalKeepBytes: 1024 * 1024 * 1024,
} as const

export type SqliteSync = 'NORMAL' | 'FULL'
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

export type Config = {
  port: number
  host: string
  dataDir: string
  publicUrl: string
  adminEmail: string
  /** Null: generate one on first start (and print it once). */
  adminPassword: string | null
  demo: boolean
  /** With the demo on: give the demo site its assistant (a bot script seeded into `botDir`). */
  demoBot: boolean
  /** Bot scripts, one folder per site: `<site>/<variant>.yaml` and `<site>/experiment.yaml`; watched for edits. */
  botDir: string
  /** The bot resolves a conversation it holds after this long without activity (counted as resolved by the bot). */
  botIdleResolveMs: number
  /** Null: read or generate DATA_DIR/secret.key. */
  secret: string | null
  consoleOrigins: string[]
  logLevel: LogLevel
  sqliteSync: SqliteSync
  /** Commit appends on a writer thread (store/writer.ts) rather than on the event loop (server/README.md). */
  sqliteWriterThread: boolean
  /** Use the first X-Forwarded-For address as the client IP (only behind a trusted proxy). */
  trustProxy: boolean
  rateLimits: { loginPerMinPerIp: number; sessionPerMinPerIp: number; identifyPerMinPerIp: number; sendsPerMinPerSocket: number }
  /** Built browser apps (vite output) and the demo pages. */
  distDir: string
  demoDir: string
  /** WebSocket ping interval and hello deadline; overridable for tests. */
  serverPingMs: number
  helloTimeoutMs: number
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

function intEnv(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer (got ${value})`)
  return n
}

function listEnv(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

/** Reads the environment into a Config; throws on values that cannot be right. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = intEnv(env.PORT, 8787, 'PORT')
  const logLevel = (env.KEFU_LOG_LEVEL ?? 'info') as LogLevel
  if (!LOG_LEVELS.includes(logLevel)) throw new Error(`KEFU_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`)
  const sync = (env.KEFU_SQLITE_SYNC ?? 'NORMAL').toUpperCase()
  if (sync !== 'NORMAL' && sync !== 'FULL') throw new Error('KEFU_SQLITE_SYNC must be NORMAL or FULL')
  const publicUrl = (env.KEFU_PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '')
  new URL(publicUrl) // throws on garbage
  return {
    port,
    host: env.HOST ?? '127.0.0.1',
    dataDir: resolve(env.KEFU_DATA_DIR ?? './data'),
    publicUrl,
    adminEmail: (env.KEFU_ADMIN_EMAIL ?? 'admin@kefu.local').trim().toLowerCase(),
    adminPassword: env.KEFU_ADMIN_PASSWORD ? env.KEFU_ADMIN_PASSWORD : null,
    demo: env.KEFU_DEMO !== '0',
    demoBot: env.KEFU_DEMO_BOT !== '0',
    botDir: resolve(env.KEFU_BOT_DIR ?? resolve(env.KEFU_DATA_DIR ?? './data', 'bots')),
    botIdleResolveMs: intEnv(env.KEFU_BOT_IDLE_MIN, 30, 'KEFU_BOT_IDLE_MIN') * 60_000,
    secret: env.KEFU_SECRET ? env.KEFU_SECRET : null,
    consoleOrigins: listEnv(env.KEFU_CONSOLE_ORIGINS),
    logLevel,
    sqliteSync: sync,
    sqliteWriterThread: env.KEFU_SQLITE_WRITER_THREAD === '1',
    trustProxy: env.KEFU_TRUST_PROXY === '1',
    rateLimits: {
      loginPerMinPerIp: intEnv(env.KEFU_RATE_LOGIN, RATE_LIMITS.loginPerMinPerIp, 'KEFU_RATE_LOGIN'),
      sessionPerMinPerIp: intEnv(env.KEFU_RATE_SESSION, RATE_LIMITS.sessionPerMinPerIp, 'KEFU_RATE_SESSION'),
      identifyPerMinPerIp: intEnv(env.KEFU_RATE_IDENTIFY, RATE_LIMITS.identifyPerMinPerIp, 'KEFU_RATE_IDENTIFY'),
      sendsPerMinPerSocket: intEnv(env.KEFU_RATE_SEND, RATE_LIMITS.sendsPerMinPerSocket, 'KEFU_RATE_SEND'),
    },
    distDir: resolve(env.KEFU_DIST_DIR ?? resolve(REPO_ROOT, 'dist')),
    demoDir: resolve(REPO_ROOT, 'demo'),
    serverPingMs: intEnv(env.KEFU_PING_MS, TIMING.serverPingMs, 'KEFU_PING_MS'),
    helloTimeoutMs: intEnv(env.KEFU_HELLO_TIMEOUT_MS, TIMING.helloTimeoutMs, 'KEFU_HELLO_TIMEOUT_MS'),
  }
}
