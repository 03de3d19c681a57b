/**
 * The console's only persistence: a few allowlisted localStorage keys. Storage can throw (Safari private
 * mode, a sandboxed iframe, cookies blocked in an admin portal); we fall back to memory and go on.
 */
const KEYS = ['kefu.console.locale'] as const
export type StorageKey = (typeof KEYS)[number]

const memory = new Map<StorageKey, string>()

function store(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage
  } catch {
    return null // accessing localStorage itself throws when storage is blocked
  }
}

export function readKey(key: StorageKey): string | null {
  try {
    return store()?.getItem(key) ?? memory.get(key) ?? null
  } catch {
    return memory.get(key) ?? null
  }
}

export function writeKey(key: StorageKey, value: string): void {
  memory.set(key, value)
  try {
    store()?.setItem(key, value)
  } catch {
    /* quota or blocked: memory keeps it for this tab */
  }
}
