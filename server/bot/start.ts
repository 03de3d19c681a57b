import { cpSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { broadcastConversation } from '../chat.ts'
import type { Deps } from '../deps.ts'
import { DEMO_SITE_KEY } from '../http/browser-routes.ts'
import type { PluginHost } from '../plugins/host.ts'
import { createBot } from './engine.ts'
import { createScriptRegistry } from './registry.ts'

/** The demo tea shop's scripts, copied into the bot folder on first start. */
const DEMO_SCRIPTS = fileURLToPath(new URL('./scripts/demo', import.meta.url))
/** How often the bot looks for conversations it holds that went quiet. */
const IDLE_SWEEP_MS = 60_000
const IDLE_SWEEP_BATCH = 200

/**
 * Starts the sites' assistant: loads every site's scripts from `config.botDir` (seeding the demo's),
 * watches them for edits, builds the engine into `deps.bot`, and resolves conversations the bot holds
 * that saw no activity for `config.botIdleResolveMs` (0: never).
 */
export async function startBot(deps: Deps, plugins: PluginHost): Promise<{ close(): Promise<void> }> {
  const { config, logger } = deps
  const demoFolder = join(config.botDir, DEMO_SITE_KEY)
  if (config.demo && config.demoBot && !existsSync(demoFolder)) cpSync(DEMO_SCRIPTS, demoFolder, { recursive: true })

  const registry = createScriptRegistry({
    dir: config.botDir,
    actions: new Set(plugins.actions.keys()),
    processors: new Set(plugins.processors.keys()),
    logger: logger.child({ component: 'bot-scripts' }),
  })
  await registry.loadAll()
  registry.watch()
  deps.bot = createBot(deps, registry, plugins)

  let sweeping = false
  const sweep = async () => {
    if (sweeping) return
    sweeping = true
    try {
      const now = deps.clock.now()
      for (const idle of await deps.store.listIdleBotConversations(now - config.botIdleResolveMs, IDLE_SWEEP_BATCH)) {
        broadcastConversation(deps, await deps.store.setConversationStatus(idle.id, 'resolved', now))
      }
    } catch (error) {
      logger.error({ err: error }, 'idle bot sweep failed')
    } finally {
      sweeping = false
    }
  }
  // KEFU_BOT_IDLE_MIN=0 turns the sweep off.
  const timer = config.botIdleResolveMs > 0 ? setInterval(() => void sweep(), Math.min(IDLE_SWEEP_MS, config.botIdleResolveMs)) : undefined
  timer?.unref()

  return {
    async close() {
      clearInterval(timer)
      await deps.bot?.idle()
      await registry.close()
    },
  }
}
