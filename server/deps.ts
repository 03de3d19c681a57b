import type { Logger } from 'pino'
import type { Bot } from './bot/engine.ts'
import type { Config } from './config.ts'
import type { Metrics } from './metrics.ts'
import type { ServerKeys } from './auth/secrets.ts'
import type { Store } from './store/store.ts'
import type { Hub } from './ws/hub.ts'

export type Clock = { now(): number }
export const systemClock: Clock = { now: () => Date.now() }

/** Everything handlers need, passed in so tests can swap parts. */
export type Deps = {
  store: Store
  config: Config
  hub: Hub
  clock: Clock
  logger: Logger
  keys: ServerKeys
  metrics: Metrics
  /** The sites' assistant; null until the server has built it (and in tools that run without one). */
  bot: Bot | null
}
