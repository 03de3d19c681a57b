import { atom, type ReadableAtom } from 'nanostores'

/**
 * nanostores' `computed` for this app: an atom kept equal to `fn()` whenever one of `stores` changes.
 * `computed` brings nanostores' lazy onMount lifecycle along (~250 B gzip of the 20 KB budget); the
 * chat's few derived values are always listened to anyway, so eager is no loss.
 */
export function derived<T>(stores: readonly ReadableAtom<unknown>[], fn: () => T): ReadableAtom<T> {
  const $value = atom(fn())
  for (const store of stores) store.listen(() => $value.set(fn()))
  return $value
}
