import { atom, type ReadableAtom } from 'nanostores'
import { createCid } from '../../protocol/index.ts'
import type { Persist } from './persist.ts'

/**
 * Messages the visitor typed that the server has not acked yet. Each gets its `cid` before the first
 * attempt and is persisted (one key per item, so two tabs never overwrite each other's), shown at once,
 * and (re)sent in order on every connection until acked. The server stores a cid once, so a resend
 * after a reconnect or a reload never doubles a message.
 */
export type Pending = { cid: string; text: string; ts: number; at: number; failed?: boolean }

export type Outbox = {
  $items: ReadableAtom<Pending[]>
  /** Reads items left by an earlier page (or another tab) and adds them in order. */
  load(): Promise<void>
  add(text: string): Pending
  /** Sends every item not yet sent on this connection, oldest first; stops at the first refusal. */
  flush(): void
  /** A new socket: everything unacked must be sent again. */
  reconnected(): void
  /** Removes an acked item (also one acked through another tab); returns it if it was ours. */
  ack(cid: string): Pending | undefined
  /** The server refused it for good (too long, forbidden): keep it shown, stop sending it. */
  fail(cid: string): void
  /** Refused for now (rate limited): send it again on the next flush. */
  unsend(cid: string): void
  retry(cid: string): void
  has(cid: string): boolean
}

export type OutboxOptions = {
  persist: Persist
  send: (item: Pending) => boolean
  now?: () => number
  newCid?: () => string
}

export function createOutbox(opts: OutboxOptions): Outbox {
  const now = opts.now ?? Date.now
  const newCid = opts.newCid ?? createCid
  const $items = atom<Pending[]>([])
  const sent = new Set<string>()
  let lastAt = 0

  const put = (next: Pending[]): void => $items.set(next.sort((a, b) => a.at - b.at))
  const save = (item: Pending): void => void opts.persist.set(`outbox:${item.cid}`, item)
  const update = (cid: string, patch: Partial<Pending>): Pending | undefined => {
    const item = $items.get().find((i) => i.cid === cid)
    if (!item) return undefined
    const next = { ...item, ...patch }
    put($items.get().map((i) => (i.cid === cid ? next : i)))
    save(next)
    return next
  }

  const outbox: Outbox = {
    $items,
    async load() {
      const keys = await opts.persist.keys('outbox:')
      const loaded = await Promise.all(keys.map((k) => opts.persist.get<Pending>(k)))
      const held = new Set($items.get().map((i) => i.cid))
      const fresh = loaded.filter((i): i is Pending => !!i && typeof i.cid === 'string' && !held.has(i.cid))
      if (fresh.length) put([...$items.get(), ...fresh])
      for (const i of fresh) lastAt = Math.max(lastAt, i.at)
    },
    add(text) {
      const ts = now()
      lastAt = Math.max(ts, lastAt + 1)
      const item: Pending = { cid: newCid(), text, ts, at: lastAt }
      put([...$items.get(), item])
      save(item)
      outbox.flush()
      return item
    },
    flush() {
      for (const item of $items.get()) {
        if (item.failed || sent.has(item.cid)) continue
        if (!opts.send(item)) return
        sent.add(item.cid)
      }
    },
    reconnected() {
      sent.clear()
    },
    ack(cid) {
      const item = $items.get().find((i) => i.cid === cid)
      sent.delete(cid)
      void opts.persist.del(`outbox:${cid}`)
      if (item) put($items.get().filter((i) => i.cid !== cid))
      return item
    },
    fail(cid) {
      sent.delete(cid)
      update(cid, { failed: true })
    },
    unsend(cid) {
      sent.delete(cid)
    },
    retry(cid) {
      if (update(cid, { failed: false })) outbox.flush()
    },
    has: (cid) => $items.get().some((i) => i.cid === cid),
  }
  return outbox
}
