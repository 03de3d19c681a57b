import { mkdirSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import type { Hono } from 'hono'
import pino, { type Logger } from 'pino'
import { createApp } from './app.ts'
import { deriveKeys, loadServerSecret } from './auth/secrets.ts'
import { loadConfig, type Config } from './config.ts'
import { systemClock, type Clock, type Deps } from './deps.ts'
import { startBot } from './bot/start.ts'
import { createFakeServices } from './demo/fake-services.ts'
import { createMetrics } from './metrics.ts'
import { loadPluginConfig } from './plugins/config.ts'
import { createPluginHost, type PluginHost } from './plugins/host.ts'
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
  const store = createSqliteStore({ filename: join(config.dataDir, 'kefu.db'), sync: config.sqliteSync, writerThread: config.sqliteWriterThread })
  const deps: Deps = { store, config, hub: createHub(), clock: options.clock ?? systemClock, logger, keys, metrics: createMetrics({ defaults: options.config === undefined }), bot: null }
  const { generatedAdminPassword } = await seed(deps)

  // Listen first (the demo's plugins call this very server, whose port may be 0 until bound); the app
  // answers 503 until plugins, scripts and routes are in place.
  let app: Hono | null = null
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve(
      { fetch: (req, env) => (app ? app.fetch(req, env) : new Response('starting\n', { status: 503 })), port: config.port, hostname: config.host },
      () => resolve(s as Server),
    )
    s.once('error', reject)
  })
  const port = (server.address() as AddressInfo).port
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`
  const env = options.env ?? process.env
  const selfUrl = ['0.0.0.0', '::'].includes(config.host) ? `http://127.0.0.1:${port}` : url
  let plugins: PluginHost
  let bot: { close(): Promise<void> }
  try {
    plugins = await createPluginHost({
      logger: logger.child({ component: 'plugins' }),
      config: loadPluginConfig(env, { dataDir: config.dataDir, demo: config.demo ? { baseUrl: selfUrl } : null }),
    })
    bot = await startBot(deps, plugins)
  } catch (error) {
    // A bad plugin configuration or bot folder stops start-up cleanly, naming the problem.
    await new Promise((resolve) => server.close(resolve))
    await store.close()
    throw error
  }
  const demoServices = config.demo ? createFakeServices().app : null
  app = createApp(deps, { plugins: plugins.routes, demoServices })
  const sockets = attachSocketServer(deps, server)
  // With PORT=0 the defaulted public URL names the port actually bound.
  if (!env.KEFU_PUBLIC_URL && !options.config?.publicUrl) config.publicUrl = `http://localhost:${port}`
  logger.info({ url, dataDir: config.dataDir, demo: config.demo }, 'kefu listening')

  let closing: Promise<void> | null = null
  return {
    url, port, config, deps, generatedAdminPassword,
    close: () =>
      (closing ??= (async () => {
        await bot.close()
        await plugins.close()
        await sockets.close()
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeAllConnections()
        })
        await store.close() // flushes pending appends
      })()),
  }
}
