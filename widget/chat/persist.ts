import { createStore, del, get, keys, set, type UseStore } from 'idb-keyval'

/**
 * The chat app's only door to storage: IndexedDB (idb-keyval, one database per site) behind an
 * allowlist of keys, with every value mirrored in memory. When IndexedDB throws, rejects or hangs
 * (private mode, blocked in a WebView, partitioned and wiped) it is dropped for memory for the rest
 * of the page's life: storage failures never break the chat.
 */
export type PersistKey = 'session' | 'site' | 'convs' | `messages:${string}` | `outbox:${string}`

const ALLOWED = /^(session|site|convs|messages:.{1,80}|outbox:.{1,80})$/

/** Some WebViews never answer `indexedDB.open`: give up on it after this. */
const IDB_TIMEOUT_MS = 1500

export type Backend = {
  get(key: string): Promise<unknown>
  set(key: string, value: unknown): Promise<void>
  del(key: string): Promise<void>
  keys(): Promise<string[]>
}

export type Persist = {
  get<T>(key: PersistKey): Promise<T | undefined>
  set(key: PersistKey, value: unknown): Promise<void>
  del(key: PersistKey): Promise<void>
  /** Keys starting with `prefix` (for example every `outbox:` item). */
  keys(prefix: string): Promise<PersistKey[]>
  /** True once IndexedDB failed and only memory is left. */
  memoryOnly(): boolean
}

export function idbBackend(dbName: string): Backend {
  let store: UseStore | undefined
  // createStore throws at once where `indexedDB` does not exist; make that a rejection like the rest.
  const s = (): UseStore => (store ??= createStore(dbName, 'kv'))
  return {
    get: async (key) => get(key, s()),
    set: async (key, value) => set(key, value, s()),
    del: async (key) => del(key, s()),
    keys: async () => (await keys(s())).map(String),
  }
}

export function createPersist(backend: Backend, timeoutMs = IDB_TIMEOUT_MS): Persist {
  const memory = new Map<string, unknown>()
  let broken = false

  function check(key: string): void {
    if (!ALLOWED.test(key)) throw new Error(`persist: key not allowed: ${key}`)
  }

  async function attempt<T>(op: () => Promise<T>): Promise<T | typeof FAILED> {
    if (broken) return FAILED
    let timer: ReturnType<typeof setTimeout> | undefined
    try {
      return await Promise.race([
        op(),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('idb timeout')), timeoutMs))),
      ])
    } catch (error) {
      if (!broken && import.meta.env?.DEV) console.warn('kefu: storage unavailable, keeping data in memory', error)
      broken = true
      return FAILED
    } finally {
      clearTimeout(timer)
    }
  }

  return {
    async get<T>(key: PersistKey) {
      check(key)
      if (memory.has(key)) return memory.get(key) as T
      const value = await attempt(() => backend.get(key))
      if (value === FAILED || value === undefined) return undefined
      if (!memory.has(key)) memory.set(key, value)
      return memory.get(key) as T
    },
    async set(key, value) {
      check(key)
      memory.set(key, value)
      await attempt(() => backend.set(key, value))
    },
    async del(key) {
      check(key)
      memory.set(key, undefined) // a tombstone: do not read the old value back from IndexedDB
      await attempt(() => backend.del(key))
    },
    async keys(prefix) {
      const stored = await attempt(() => backend.keys())
      const all = new Set(stored === FAILED ? [] : stored)
      for (const [key, value] of memory) value === undefined ? all.delete(key) : all.add(key)
      return [...all].filter((k) => k.startsWith(prefix) && ALLOWED.test(k)) as PersistKey[]
    },
    memoryOnly: () => broken,
  }
}

const FAILED = Symbol('failed')
