import { atom } from 'nanostores'

/**
 * The conversation on screen. Mirrored in the URL hash (`#conv=ID`) so a reload, or a link from an
 * admin portal, opens the same one; replaceState keeps the back button free of every click.
 */
export const $selectedId = atom<string | null>(null)

const HASH_KEY = 'conv'

export function selectedFromHash(hash: string): string | null {
  const id = new URLSearchParams(hash.replace(/^#/, '')).get(HASH_KEY)
  return id && id.length <= 64 ? id : null
}

export function selectConversation(id: string | null): void {
  $selectedId.set(id)
  if (typeof history === 'undefined') return
  const hash = id ? `#${new URLSearchParams({ [HASH_KEY]: id })}` : ''
  history.replaceState(history.state, '', `${location.pathname}${location.search}${hash}`)
}
