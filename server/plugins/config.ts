import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import * as v from 'valibot'
import { demoPluginEntries } from '../demo/fake-services.ts'

/** One plugin to load: a built-in name (`order-status`, `ticket`) or a module path, with its options (secrets resolved). */
export type PluginEntry = { use: string; options: Record<string, unknown> }

export type PluginConfig = {
  /** Where the list came from, for error messages: the file, `demo defaults` or `none`. */
  source: string
  /** Module paths in `use` are resolved against this folder (the configuration file's). */
  baseDir: string
  /** Kefu's data folder; each plugin gets `<dataDir>/plugins/<name>`. */
  dataDir: string
  plugins: PluginEntry[]
}

const FileSchema = v.strictObject({
  plugins: v.array(
    v.strictObject({
      use: v.pipe(v.string(), v.trim(), v.minLength(1, 'must name a built-in plugin or a module path')),
      options: v.optional(v.record(v.string(), v.unknown()), {}),
    }),
  ),
})

/**
 * The plugins to load: the JSON file named by `KEFU_CONFIG`; without one, the demo's two built-ins pointed at
 * the demo's fake services (when the demo is on) or nothing. Throws, naming the file, on anything wrong.
 */
export function loadPluginConfig(env: NodeJS.ProcessEnv, options: { dataDir: string; demo: { baseUrl: string } | null }): PluginConfig {
  const { dataDir } = options
  if (env.KEFU_CONFIG) {
    const file = resolve(env.KEFU_CONFIG)
    const where = `KEFU_CONFIG ${file}`
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (error) {
      throw new Error(`${where}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`)
    }
    let raw: unknown
    try {
      raw = JSON.parse(text)
    } catch (error) {
      throw new Error(`${where}: not valid JSON (${(error as Error).message})`)
    }
    const parsed = v.safeParse(FileSchema, raw)
    if (!parsed.success) {
      const issue = parsed.issues[0]
      throw new Error(`${where}: ${v.getDotPath(issue) ?? '(top level)'}: ${issue.message}`)
    }
    const plugins = parsed.output.plugins.map((entry) => ({
      use: entry.use,
      options: resolveSecrets(entry.options, env, (path, name) => `${where}: plugin ${entry.use} option ${path}: environment variable ${name} is not set`) as Record<string, unknown>,
    }))
    return { source: file, baseDir: dirname(file), dataDir, plugins }
  }
  if (options.demo) return { source: 'demo defaults', baseDir: process.cwd(), dataDir, plugins: demoPluginEntries(options.demo.baseUrl) }
  return { source: 'none', baseDir: process.cwd(), dataDir, plugins: [] }
}

const isEnvRef = (value: unknown): value is { env: string } =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && typeof (value as { env?: unknown }).env === 'string'

/** Replaces every `{ "env": "NAME" }` with the variable's value, so secrets stay out of the file. */
function resolveSecrets(value: unknown, env: NodeJS.ProcessEnv, missing: (path: string, name: string) => string, path = ''): unknown {
  if (isEnvRef(value)) {
    const secret = env[value.env]
    if (secret === undefined || secret === '') throw new Error(missing(path || '(options)', value.env))
    return secret
  }
  if (Array.isArray(value)) return value.map((item, i) => resolveSecrets(item, env, missing, `${path}[${i}]`))
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveSecrets(item, env, missing, path ? `${path}.${key}` : key)]))
  }
  return value
}
