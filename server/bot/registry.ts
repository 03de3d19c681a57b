import { randomBytes } from 'node:crypto'
import { watch, type FSWatcher } from 'node:fs'
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { BotOverviewResponse } from '../../protocol/index.ts'
import { parseExperiment, type Experiment } from './experiments.ts'
import { formatScriptError, parseScript } from './script.ts'
import type { CompiledScript, ScriptError } from './types.ts'

/**
 * The running bot scripts of every site, from `DIR/<site>/<variant>.yaml` and `DIR/<site>/experiment.yaml`.
 * `current()` hands out whole immutable objects and a reload replaces the object, so a message that
 * captured a script finishes with it. An invalid file or upload never replaces a running script.
 */

/** Editors save in bursts (truncate, write, rename): wait this long after the last event before reading. */
export const RELOAD_DEBOUNCE_MS = 100
/** A file seen missing is unloaded only if it is still missing this much later (an editor may be mid-save). */
export const REMOVE_CONFIRM_MS = 1000
const EXPERIMENT_FILE = 'experiment.yaml'
const SITE_NAME = /^[A-Za-z0-9_-]{1,64}$/
const VARIANT_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/

type Log = { info(obj: object, msg: string): void; warn(obj: object, msg: string): void; error(obj: object, msg: string): void }
const silent: Log = { info() {}, warn() {}, error() {} }

export type RegistryOptions = {
  dir: string
  /** Action names plugins provide; replace later with setExtensions(). */
  actions?: ReadonlySet<string>
  /** Processor names plugins provide (the built-in ones are always known). */
  processors?: ReadonlySet<string>
  logger?: Log
  now?: () => number
}

/** `variant` null: the site's experiment file. */
export type RegistryChange = {
  site: string
  variant: string | null
  status: 'loaded' | 'invalid' | 'removed'
  /** The version now running (null: none). */
  version: string | null
  errors: ScriptError[]
  origin: 'start' | 'file' | 'upload' | 'extensions'
}

export type UploadResult<T> = { ok: true; value: T } | { ok: false; errors: ScriptError[] }

type Slot<T> = { running: T | undefined; errors: ScriptError[]; source: string | undefined }
type Site = { scripts: Map<string, Slot<CompiledScript>>; experiment: Slot<Experiment> }

const emptySlot = <T>(): Slot<T> => ({ running: undefined, errors: [], source: undefined })
const nameError = (message: string): ScriptError[] => [{ line: 1, column: 1, message }]

export type ScriptRegistry = ReturnType<typeof createScriptRegistry>

export function createScriptRegistry(options: RegistryOptions) {
  const { dir } = options
  const log = options.logger ?? silent
  const now = options.now ?? Date.now
  let actions: ReadonlySet<string> = options.actions ?? new Set()
  let processors: ReadonlySet<string> = options.processors ?? new Set()
  const sites = new Map<string, Site>()
  const listeners = new Set<(change: RegistryChange) => void>()
  const watchers = new Map<string, FSWatcher>()
  const timers = new Map<string, NodeJS.Timeout>()
  // One change at a time per site, so a file reload and an upload never interleave.
  const queues = new Map<string, Promise<unknown>>()
  let closed = false

  const siteOf = (site: string): Site => {
    let state = sites.get(site)
    if (!state) {
      state = { scripts: new Map(), experiment: emptySlot() }
      sites.set(site, state)
    }
    return state
  }

  const serial = <T>(site: string, work: () => Promise<T>): Promise<T> => {
    const run = (queues.get(site) ?? Promise.resolve()).then(work, work)
    const tail = run.catch(() => undefined)
    queues.set(site, tail)
    void tail.then(() => queues.get(site) === tail && queues.delete(site))
    return run
  }

  const emit = (change: RegistryChange) => {
    if (change.status === 'invalid') {
      log.warn({ site: change.site, variant: change.variant, errors: change.errors.map(formatScriptError) }, 'bot script refused; the previous one keeps running')
    } else log.info({ site: change.site, variant: change.variant, version: change.version, origin: change.origin }, `bot script ${change.status}`)
    for (const listener of listeners) {
      try {
        listener(change)
      } catch (error) {
        log.error({ err: error }, 'registry listener failed')
      }
    }
  }

  const validVariants = (site: string): Set<string> =>
    new Set([...(sites.get(site)?.scripts ?? [])].filter(([, slot]) => slot.running).map(([variant]) => variant))

  /** Validates `source` for (site, variant) and, when valid, swaps it in; otherwise records the errors. */
  function applyScript(site: string, variant: string, source: string, origin: RegistryChange['origin']): void {
    const state = siteOf(site)
    const before = state.scripts.get(variant) ?? emptySlot<CompiledScript>()
    const result = parseScript(source, { site, variant, actions, processors, now: now() })
    if (!result.ok) {
      state.scripts.set(variant, { running: before.running, errors: result.errors, source })
      emit({ site, variant, status: 'invalid', version: before.running?.version ?? null, errors: result.errors, origin })
      return
    }
    // The same text again (re-checked for new plugin names, or fixed back): keep the object already running.
    const same = before.running?.version === result.script.version
    state.scripts.set(variant, { running: same ? before.running : result.script, errors: [], source })
    if (!same || before.errors.length > 0) emit({ site, variant, status: 'loaded', version: result.script.version, errors: [], origin })
    retryExperiment(site, origin)
  }

  function applyExperiment(site: string, source: string, origin: RegistryChange['origin']): void {
    const state = siteOf(site)
    const before = state.experiment
    const result = parseExperiment(source, { site, variants: validVariants(site), now: now() })
    if (!result.ok) {
      state.experiment = { running: before.running, errors: result.errors, source }
      emit({ site, variant: null, status: 'invalid', version: before.running?.version ?? null, errors: result.errors, origin })
      return
    }
    const same = before.running?.version === result.experiment.version
    state.experiment = { running: same ? before.running : result.experiment, errors: [], source }
    if (!same || before.errors.length > 0) emit({ site, variant: null, status: 'loaded', version: result.experiment.version, errors: [], origin })
  }

  /** An experiment refused for naming a missing variant may be fine once that variant loads. */
  function retryExperiment(site: string, origin: RegistryChange['origin']): void {
    const slot = sites.get(site)?.experiment
    if (slot?.source !== undefined && slot.errors.length > 0) applyExperiment(site, slot.source, origin)
  }

  function unload(site: string, variant: string | null, origin: RegistryChange['origin']): void {
    const state = sites.get(site)
    if (!state) return
    if (variant === null) {
      if (state.experiment.source === undefined) return
      state.experiment = emptySlot()
    } else {
      if (!state.scripts.delete(variant)) return
    }
    emit({ site, variant, status: 'removed', version: null, errors: [], origin })
  }

  async function readOrNull(path: string): Promise<string | null> {
    try {
      return await readFile(path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw error
    }
  }

  /** Re-reads one file of a site (it may have been written, replaced or deleted). */
  async function syncFile(site: string, file: string, origin: RegistryChange['origin'], confirmed = false): Promise<void> {
    const variant = file === EXPERIMENT_FILE ? null : file.slice(0, -'.yaml'.length)
    if (variant !== null && !VARIANT_NAME.test(variant)) {
      log.warn({ site, file }, 'bot script ignored: a variant name is letters, digits, _ or - (at most 32)')
      return
    }
    const source = await readOrNull(join(dir, site, file))
    const state = sites.get(site)
    const known = variant === null ? state?.experiment.source : state?.scripts.get(variant)?.source
    // Unchanged text (our own upload seen by the watcher, a touch, a folder event): nothing to do.
    if (source !== null && source === known) return
    if (source === null && origin === 'file' && !confirmed) {
      later(`${site}/${file}`, () => serial(site, () => syncFile(site, file, origin, true)), REMOVE_CONFIRM_MS)
    } else if (source === null) unload(site, variant, origin)
    else if (variant === null) applyExperiment(site, source, origin)
    else applyScript(site, variant, source, origin)
  }

  async function loadSite(site: string, origin: RegistryChange['origin']): Promise<void> {
    let files: string[]
    try {
      files = (await readdir(join(dir, site))).filter(isScriptFile)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' && (error as NodeJS.ErrnoException).code !== 'ENOTDIR') throw error
      files = []
    }
    // Variants first: the experiment is checked against them.
    const ordered = [...files.filter((f) => f !== EXPERIMENT_FILE).sort(), ...files.filter((f) => f === EXPERIMENT_FILE)]
    for (const file of ordered) await syncFile(site, file, origin)
    // Files deleted while nobody watched.
    const state = sites.get(site)
    for (const variant of [...(state?.scripts.keys() ?? [])]) if (!files.includes(`${variant}.yaml`)) unload(site, variant, origin)
    if (!files.includes(EXPERIMENT_FILE)) unload(site, null, origin)
  }

  function watchSite(site: string): void {
    if (closed || watchers.has(site)) return
    try {
      const watcher = watch(join(dir, site), (_event, file) => {
        if (typeof file === 'string' && isScriptFile(file)) later(`${site}/${file}`, () => serial(site, () => syncFile(site, file, 'file')))
      })
      watcher.on('error', (error) => {
        log.warn({ err: error, site }, 'bot script folder watch ended')
        watcher.close()
        watchers.delete(site)
      })
      watchers.set(site, watcher)
    } catch (error) {
      log.warn({ err: error, site }, 'cannot watch bot script folder')
    }
  }

  function later(key: string, work: () => Promise<void>, ms = RELOAD_DEBOUNCE_MS): void {
    clearTimeout(timers.get(key))
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key)
        if (!closed) work().catch((error: unknown) => log.error({ err: error, key }, 'bot script reload failed'))
      }, ms),
    )
  }

  /** A site folder appeared or went away. */
  async function syncSiteFolder(site: string): Promise<void> {
    const exists = await stat(join(dir, site)).then((s) => s.isDirectory(), () => false)
    if (exists) watchSite(site)
    else {
      watchers.get(site)?.close()
      watchers.delete(site)
    }
    await loadSite(site, 'file')
  }

  async function writeAtomically(path: string, source: string): Promise<void> {
    const tmp = join(dir, `.${randomBytes(6).toString('hex')}.tmp`)
    const file = await open(tmp, 'w', 0o644)
    try {
      await file.writeFile(source, 'utf8')
      await file.sync()
    } finally {
      await file.close()
    }
    await rename(tmp, path).catch(async (error: unknown) => {
      await rm(tmp, { force: true })
      throw error
    })
  }

  return {
    /** Reads every site's scripts from `dir` (created when missing). */
    async loadAll(): Promise<void> {
      await mkdir(dir, { recursive: true })
      const entries = await readdir(dir, { withFileTypes: true })
      for (const entry of entries) {
        if (entry.isDirectory() && SITE_NAME.test(entry.name)) await serial(entry.name, () => loadSite(entry.name, 'start'))
      }
    },

    /** Watches `dir` and each site folder; edits are re-read RELOAD_DEBOUNCE_MS after the last event. */
    watch(): void {
      if (closed || watchers.has('')) return
      const root = watch(dir, (_event, name) => {
        if (typeof name === 'string' && SITE_NAME.test(name)) later(name, () => serial(name, () => syncSiteFolder(name)))
      })
      root.on('error', (error) => log.warn({ err: error }, 'bot script folder watch ended'))
      watchers.set('', root)
      for (const site of sites.keys()) watchSite(site)
      void readdir(dir, { withFileTypes: true }).then(
        (entries) => entries.filter((e) => e.isDirectory() && SITE_NAME.test(e.name)).forEach((e) => watchSite(e.name)),
        () => undefined,
      )
    },

    /** The running script of (site, variant), or undefined. Keep the object for the whole message. */
    current(site: string, variant: string): CompiledScript | undefined {
      return sites.get(site)?.scripts.get(variant)?.running
    },

    /** The site's running experiment, or undefined. */
    experiment(site: string): Experiment | undefined {
      return sites.get(site)?.experiment.running
    },

    /** Errors of the last attempt to load (site, variant); empty when it loaded. `variant` null: the experiment. */
    lastErrors(site: string, variant: string | null): ScriptError[] {
      const state = sites.get(site)
      return (variant === null ? state?.experiment.errors : state?.scripts.get(variant)?.errors) ?? []
    },

    /** The text last read or uploaded (valid or not, so a broken file can be fixed), or undefined. */
    source(site: string, variant: string | null): string | undefined {
      const state = sites.get(site)
      return variant === null ? state?.experiment.source : state?.scripts.get(variant)?.source
    },

    /** For the console: each variant's running version and errors, and the experiment (default first). */
    list(site: string): BotOverviewResponse {
      const state = sites.get(site)
      const variants = [...(state?.scripts ?? [])]
        .sort(([a], [b]) => (a === 'default' ? -1 : b === 'default' ? 1 : a < b ? -1 : a > b ? 1 : 0))
        .map(([variant, slot]) => ({ variant, version: slot.running?.version ?? null, loadedAt: slot.running?.loadedAt ?? null, errors: slot.errors }))
      const slot = state?.experiment
      // A never-valid experiment file still shows its errors, under an empty name.
      const experiment = slot?.running || slot?.errors.length
        ? { name: slot.running?.name ?? '', weights: { ...slot.running?.weights }, errors: slot.errors }
        : null
      return { variants, experiment }
    },

    sites(): string[] {
      return [...sites.keys()].sort()
    },

    /** Validates and, when valid, writes `DIR/site/variant.yaml` (tmp + rename) and swaps it in. Invalid: nothing changes. */
    upload(site: string, variant: string, source: string): Promise<UploadResult<CompiledScript>> {
      if (!SITE_NAME.test(site)) return Promise.resolve({ ok: false, errors: nameError(`"${site}" is not a site key`) })
      if (!VARIANT_NAME.test(variant) || variant === 'experiment') {
        return Promise.resolve({ ok: false, errors: nameError(`"${variant}" is not a variant name: letters, digits, _ or - (at most 32), not "experiment"`) })
      }
      return serial(site, async () => {
        const result = parseScript(source, { site, variant, actions, processors, now: now() })
        if (!result.ok) return { ok: false, errors: result.errors }
        await mkdir(join(dir, site), { recursive: true })
        await writeAtomically(join(dir, site, `${variant}.yaml`), source)
        const state = siteOf(site)
        const before = state.scripts.get(variant)
        const same = before?.running?.version === result.script.version
        const running = same && before?.running ? before.running : result.script
        state.scripts.set(variant, { running, errors: [], source })
        if (!same || before?.errors.length) emit({ site, variant, status: 'loaded', version: running.version, errors: [], origin: 'upload' })
        retryExperiment(site, 'upload')
        watchSite(site)
        return { ok: true, value: running }
      })
    },

    /** Same for `experiment.yaml`; every variant it names must be running. */
    uploadExperiment(site: string, source: string): Promise<UploadResult<Experiment>> {
      if (!SITE_NAME.test(site)) return Promise.resolve({ ok: false, errors: nameError(`"${site}" is not a site key`) })
      return serial(site, async () => {
        const result = parseExperiment(source, { site, variants: validVariants(site), now: now() })
        if (!result.ok) return { ok: false, errors: result.errors }
        await mkdir(join(dir, site), { recursive: true })
        await writeAtomically(join(dir, site, EXPERIMENT_FILE), source)
        const state = siteOf(site)
        const same = state.experiment.running?.version === result.experiment.version
        const running = same && state.experiment.running ? state.experiment.running : result.experiment
        const hadErrors = state.experiment.errors.length > 0
        state.experiment = { running, errors: [], source }
        if (!same || hadErrors) emit({ site, variant: null, status: 'loaded', version: running.version, errors: [], origin: 'upload' })
        watchSite(site)
        return { ok: true, value: running }
      })
    },

    /**
     * Deletes a variant's file and stops it (a site without `default` has no bot: conversations go to people).
     * Refused while the running experiment splits visitors to it. `variant` null: the experiment.
     */
    remove(site: string, variant: string | null): Promise<{ ok: true } | { ok: false; message: string }> {
      if (!SITE_NAME.test(site) || (variant !== null && !VARIANT_NAME.test(variant))) return Promise.resolve({ ok: false, message: 'no such script' })
      return serial(site, async () => {
        const experiment = sites.get(site)?.experiment.running
        if (variant !== null && experiment && variant in experiment.weights) {
          return { ok: false as const, message: `experiment "${experiment.name}" uses variant "${variant}"; change or remove the experiment first` }
        }
        await rm(join(dir, site, variant === null ? EXPERIMENT_FILE : `${variant}.yaml`), { force: true })
        unload(site, variant, 'upload')
        return { ok: true as const }
      })
    },

    /**
     * The action and processor names plugins provide changed: every file is validated again, so a script
     * refused for naming a plugin's action loads once the plugin does (and one that lost it keeps running).
     */
    setExtensions(next: { actions?: ReadonlySet<string>; processors?: ReadonlySet<string> }): void {
      actions = next.actions ?? actions
      processors = next.processors ?? processors
      for (const [site, state] of sites) {
        for (const [variant, slot] of [...state.scripts]) if (slot.source !== undefined) applyScript(site, variant, slot.source, 'extensions')
        retryExperiment(site, 'extensions')
      }
    },

    /** Called after every load, refusal and removal; returns the unsubscribe function. */
    onChange(listener: (change: RegistryChange) => void): () => void {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },

    /** Stops watching; waits for reloads already running. */
    async close(): Promise<void> {
      closed = true
      for (const watcher of watchers.values()) watcher.close()
      watchers.clear()
      for (const timer of timers.values()) clearTimeout(timer)
      timers.clear()
      await Promise.all([...queues.values()])
    },
  }
}

/** `<variant>.yaml` and `experiment.yaml`; not editor swap files, backups or our own `.tmp` files. */
function isScriptFile(name: string): boolean {
  return name.endsWith('.yaml') && !name.startsWith('.')
}
