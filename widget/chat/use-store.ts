import type { ReadableAtom } from 'nanostores'
import { useEffect, useState } from 'preact/hooks'

/**
 * `useStore` of @nanostores/preact minus the `keys`/SSR options this app never uses (they pull in
 * nanostores' listenKeys and deep-map path code: ~350 B gzip of a 20 KB budget).
 */
export function useStore<T>(store: ReadableAtom<T>): T {
  const [, rerender] = useState({})
  const value = store.get()
  useEffect(() => {
    // A change between this render and the subscription would otherwise be missed.
    if (store.get() !== value) rerender({})
    return store.listen(() => rerender({}))
  }, [store])
  return value
}
