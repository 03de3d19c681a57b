import { mkdirSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import pino, { type Logger } from 'pino'
import { createApp } from './app.ts'
import { deriveKeys, loadServerSecret } from './auth/secrets.ts'
import { loadConfig, type Config } from './config.ts'
import { systemClock, type Clock, type Deps } from './deps.ts'
import { createMetrics } from './metrics.ts'
import { seed } from './seed.ts'
import { createSqliteStore } from './store/sqlite.ts'
import { createHub } from './ws/hub.ts'
import { attachSocketServer } from './ws/socket-server.ts'

export type ServerOptions = {
  /** Overrides on top of the environment (tests pass port 0 and a temp data dir). */
  config?: Partial<Config>
  env?: NodeJS.ProcessEnv
  clock?: Clock
  logger?: Logger
}

export type RunningServer = {
  url: string
  port: number
  config: Config
  deps: Deps
  /** Set on the first start when KEFU_ADMIN_PASSWORD was not given. */
  generatedAdminPassword: string | null
  close(): Promise<void>
}

/** Opens the store, seeds it, and serves HTTP + WebSocket on one port. */
export async function createServer(options: ServerOptions = {}): Promise<RunningServer> {
  const config: Config = { ...loadConfig(options.env ?? process.env), ...options.config }
  mkdirSync(config.dataDir, { recursive: true })
  const logger = options.logger ?? pino({ level: config.logLevel, base: { app: 'kefu' } })
  const keys = deriveKeys(loadServerSecret(config.dataDir, config.secret))
  const store = createSqliteStore({ filename: join(config.dataDir, 'kefu.db'), sync: config.sqliteSync })
  const deps: Deps = { store, config, hub: createHub(), clock: options.clock ?? systemClock, logger, keys, metrics: createMetrics({ defaults: options.config === undefined }), bot: null }
  const { generatedAdminPassword } = await seed(deps)

  const app = createApp(deps)
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(s as Server))
    s.once('error', reject)
  })
  const sockets = attachSocketServer(deps, server)
  const port = (server.address() as AddressInfo).port
  // With PORT=0 the defaulted public URL names the port actually bound.
  if (!(options.env ?? process.env).KEFU_PUBLIC_URL && !options.config?.publicUrl) config.publicUrl = `http://localhost:${port}`
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`
  logger.info({ url, dataDir: config.dataDir, demo: config.demo }, 'kefu listening')

  let closing: Promise<void> | null = null
  return {
    url, port, config, deps, generatedAdminPassword,
    close: () =>
      (closing ??= (async () => {
        await sockets.close()
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeAllConnections()
        })
        await store.close() // flushes pending appends
      })()),
  }
}
