import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Hono } from 'hono'
import type { Logger } from 'pino'
import * as v from 'valibot'
import type { ActionHandler, ProcessorFactory } from '../bot/types.ts'
import type { KefuPlugin, PluginApi } from './api.ts'
import type { PluginConfig } from './config.ts'
import { createPluginHttp, originOf, type PluginHttp } from './http.ts'
import orderStatusPlugin from './order-status.ts'
import ticketPlugin from './ticket.ts'

/** Plugins that ship with Kefu, by the name a configuration file `use`s. */
export const BUILTIN_PLUGINS: ReadonlyMap<string, KefuPlugin> = new Map([
  ['order-status', orderStatusPlugin],
  ['ticket', ticketPlugin],
])

/** The pipeline's own processors: a plugin may not take these names (the engine would never call its one). */
const RESERVED_PROCESSORS = new Set(['tokenize', 'entities', 'intent', 'sentiment'])
/** Plugin, processor and action names appear in URLs and scripts: keep them plain. */
const NAME = /^[a-z][a-z0-9-]{0,39}$/

export type PluginHost = {
  /** Names of the loaded plugins, in load order. */
  plugins: readonly string[]
  processors: ReadonlyMap<string, ProcessorFactory>
  actions: ReadonlyMap<string, ActionHandler>
  /** Only plugins that added routes; the server mounts each at `/api/plugins/<name>/`. */
  routes: { name: string; app: Hono }[]
  /** Aborts plugin calls in flight, then runs the plugins' `onClose` hooks (last loaded first). */
  close(): Promise<void>
}

/**
 * Loads the configured plugins in order and collects what they add. Any problem (unknown plugin, bad option,
 * duplicate name, a setup that throws) is a start-up error that names the plugin.
 */
export async function createPluginHost(options: { logger: Logger; config: PluginConfig; builtins?: ReadonlyMap<string, KefuPlugin> }): Promise<PluginHost> {
  const { logger, config } = options
  const builtins = options.builtins ?? BUILTIN_PLUGINS
  const processors = new Map<string, ProcessorFactory>()
  const actions = new Map<string, ActionHandler>()
  const owners = new Map<string, string>() // "processor x" / "action y" → plugin name, for clear duplicate errors
  const routes: { name: string; app: Hono }[] = []
  const names: string[] = []
  const clients: PluginHttp[] = []
  const closers: { plugin: string; fn: () => void | Promise<void> }[] = []

  const close = async () => {
    for (const client of clients) client.close()
    for (const { plugin, fn } of closers.reverse()) {
      try {
        await fn()
      } catch (error) {
        logger.error({ err: error, plugin }, 'plugin close failed')
      }
    }
    closers.length = 0
  }

  try {
    for (const entry of config.plugins) {
      const plugin = await loadPlugin(entry.use, config.baseDir, builtins)
      const { name } = plugin
      if (!NAME.test(name)) throw new Error(`plugin ${entry.use}: name "${name}" must be lower-case letters, digits and dashes`)
      if (names.includes(name)) throw new Error(`plugin ${name} is configured twice (${config.source})`)

      let parsedOptions = entry.options
      if (plugin.options) {
        const parsed = v.safeParse(plugin.options, entry.options)
        if (!parsed.success) {
          const issue = parsed.issues[0]
          // valibot's default messages end in "but received <value>": the value may be a secret, so it is cut.
          throw new Error(`plugin ${name}: option ${v.getDotPath(issue) ?? '(options)'}: ${issue.message.replace(/ but received .*$/s, '')}`)
        }
        parsedOptions = parsed.output
      }

      const pluginLogger = logger.child({ plugin: name })
      const allowedOrigins = originsIn(parsedOptions)
      const timeoutMs = typeof parsedOptions.timeoutMs === 'number' ? parsedOptions.timeoutMs : undefined
      const http = createPluginHttp({ allowedOrigins, timeoutMs, logger: pluginLogger })
      clients.push(http)
      const app = new Hono()
      const added = { processors: [] as string[], actions: [] as string[] }
      let open = true
      const claim = (kind: 'processor' | 'action', what: string) => {
        if (!open) throw new Error(`plugin ${name}: add${kind === 'action' ? 'Action' : 'Processor'}(${what}) after setup finished`)
        if (!NAME.test(what)) throw new Error(`plugin ${name}: ${kind} name "${what}" must be lower-case letters, digits and dashes`)
        if (kind === 'processor' && RESERVED_PROCESSORS.has(what)) throw new Error(`plugin ${name}: processor name "${what}" is a built-in processor`)
        const owner = owners.get(`${kind} ${what}`)
        if (owner) throw new Error(`plugin ${name}: ${kind} "${what}" is already added by plugin ${owner}`)
        owners.set(`${kind} ${what}`, name)
      }
      const api: PluginApi = {
        options: parsedOptions,
        logger: pluginLogger,
        http,
        routes: app,
        dataDir: join(config.dataDir, 'plugins', name),
        addProcessor(what, factory) {
          claim('processor', what)
          processors.set(what, factory)
          added.processors.push(what)
        },
        addAction(what, handler) {
          claim('action', what)
          actions.set(what, handler)
          added.actions.push(what)
        },
        onClose(fn) {
          closers.push({ plugin: name, fn })
        },
      }
      try {
        await plugin.setup(api)
      } catch (error) {
        throw new Error(`plugin ${name}: setup failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
      } finally {
        open = false
      }
      names.push(name)
      if (app.routes.length > 0) routes.push({ name, app })
      // Origins, names and counts only: option values may be secrets.
      pluginLogger.info({ allowedOrigins, ...added, routes: app.routes.length }, 'plugin loaded')
    }
  } catch (error) {
    await close()
    throw error
  }

  return { plugins: names, processors, actions, routes, close }
}

const isModulePath = (use: string): boolean => use.startsWith('.') || use.startsWith('/') || /\.(m?[jt]s)$/.test(use) || /^[a-zA-Z]:[\\/]/.test(use)

async function loadPlugin(use: string, baseDir: string, builtins: ReadonlyMap<string, KefuPlugin>): Promise<KefuPlugin> {
  if (!isModulePath(use)) {
    const builtin = builtins.get(use)
    if (!builtin) throw new Error(`plugin ${use}: no such built-in plugin (built-ins: ${[...builtins.keys()].join(', ')}; a module path starts with ./ or /)`)
    return builtin
  }
  const file = resolve(baseDir, use)
  let mod: { default?: unknown }
  try {
    mod = (await import(pathToFileURL(file).href)) as { default?: unknown }
  } catch (error) {
    throw new Error(`plugin ${use}: cannot load ${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
  }
  const plugin = mod.default as Partial<KefuPlugin> | undefined
  if (!plugin || typeof plugin.name !== 'string' || typeof plugin.setup !== 'function') {
    throw new Error(`plugin ${use}: ${file} must export default a plugin ({ name, setup }, see server/plugins/README.md)`)
  }
  return plugin as KefuPlugin
}

/** "Only the configured host may be called": the origins of every http(s) URL in the plugin's own options. */
function originsIn(value: unknown, found = new Set<string>()): string[] {
  if (typeof value === 'string') {
    if (/^https?:\/\//i.test(value)) {
      const origin = originOf(value)
      if (origin) found.add(origin)
    }
  } else if (Array.isArray(value)) {
    for (const item of value) originsIn(item, found)
  } else if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) originsIn(item, found)
  }
  return [...found]
}
