import type { Hono } from 'hono'
import type { Logger } from 'pino'
import type { GenericSchema } from 'valibot'
import type { ActionHandler, ProcessorFactory } from '../bot/types.ts'
import type { PluginHttp } from './http.ts'

/**
 * A plugin: a name and a setup function that registers processors, actions and routes through `api`.
 * `options`, when given, is a valibot schema for this plugin's block in the configuration file: the host
 * validates it at start-up (a bad option stops the server naming the plugin and the option) and hands the
 * parsed output to `setup` as `api.options`.
 */
export interface KefuPlugin<O extends Record<string, unknown> = Record<string, unknown>> {
  name: string
  options?: GenericSchema<unknown, O>
  setup(api: PluginApi<O>): void | Promise<void>
}

export type PluginApi<O extends Record<string, unknown> = Record<string, unknown>> = {
  /** This plugin's block from the configuration, secrets resolved, validated by `options` when the plugin has one. */
  options: O
  /** A pino child logger with `{ plugin: name }`. */
  logger: Logger
  /** The only way a plugin should call out: it may reach only the origins of the URLs in its own options. */
  http: PluginHttp
  /** A processor that scripts can name in their `pipeline`. */
  addProcessor(name: string, factory: ProcessorFactory): void
  /** An action that script rules can call (`do: [{ action: name, ... }]`). */
  addAction(name: string, handler: ActionHandler): void
  /** Mounted by the server at `/api/plugins/<name>/`. */
  routes: Hono
  /** A folder this plugin may keep files in (`<data dir>/plugins/<name>`; not created until the plugin does). */
  dataDir: string
  /** Runs when the server shuts down (after in-flight calls are aborted), in reverse order of registration. */
  onClose(fn: () => void | Promise<void>): void
}

/** Identity, for type inference in plugin files: `export default definePlugin({ name, setup(api) { ... } })`. */
export const definePlugin = <O extends Record<string, unknown>>(p: KefuPlugin<O>): KefuPlugin<O> => p
