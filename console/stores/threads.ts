import { map } from 'nanostores'
import type { Message } from '../../protocol/index.ts'
import { mergeMessages } from '../../widget/merge.ts'
import { api } from '../lib/api.ts'
import { MessagesResponseSchema } from '../lib/schemas.ts'
import { $conversations, noteMessages } from './conversations.ts'

/**
 * Message history per conversation, for the conversations the agent has opened. Ordered by seq,
 * deduplicated by id; live frames and REST pages merge into the same list in any order.
 */
export type Thread = {
  items: readonly Message[]
  /** The latest page has arrived; until then only live messages are here. */
  loaded: boolean
  loading: boolean
  failed: boolean
  /** Older messages exist on the server (page back with `before`). */
  hasOlder: boolean
  /** We were disconnected since the last catch-up: fetch `after` the last seq when shown. */
  stale: boolean
}

/** Messages per REST page when opening a conversation or paging back. */
export const PAGE_SIZE = 50
/** Catch-up after a reconnect pages forward at most this many times, then stops (the rest arrives live). */
export const CATCH_UP_PAGES_MAX = 20

const EMPTY: Thread = { items: [], loaded: false, loading: false, failed: false, hasOlder: false, stale: false }

export const $threads = map<Record<string, Thread>>({})

export function threadOf(id: string): Thread {
  return $threads.get()[id] ?? EMPTY
}

function patch(id: string, change: Partial<Thread>): void {
  $threads.setKey(id, { ...threadOf(id), ...change })
}

/** Live or acked messages: kept only for threads that exist (opened at least once). */
export function receiveMessages(convId: string, messages: readonly Message[]): void {
  noteMessages(messages)
  const thread = $threads.get()[convId]
  if (thread) patch(convId, { items: mergeMessages(thread.items, messages) })
}

export function lastSeqOf(id: string): number {
  return threadOf(id).items.at(-1)?.seq ?? 0
}

/** Opening a conversation: the latest page if we have none, else only what we missed. */
export function openThread(id: string): Promise<void> {
  const thread = threadOf(id)
  if (!$threads.get()[id]) patch(id, {})
  if (thread.loading) return Promise.resolve()
  if (!thread.loaded) return loadLatest(id)
  if (thread.stale) return catchUp(id)
  return Promise.resolve()
}

async function loadLatest(id: string): Promise<void> {
  patch(id, { loading: true, failed: false })
  const known = $conversations.get()[id]?.conv.lastSeq
  // `before` = one past the last seq we know: the newest page, whatever the server's default order.
  const query = known === undefined ? `limit=${PAGE_SIZE}` : `before=${known + 1}&limit=${PAGE_SIZE}`
  const res = await api(`/conversations/${encodeURIComponent(id)}/messages?${query}`, { schema: MessagesResponseSchema })
  if (!res.ok) return patch(id, { loading: false, failed: true })
  noteMessages(res.data.messages)
  const thread = threadOf(id)
  patch(id, { items: mergeMessages(thread.items, res.data.messages), loaded: true, loading: false, hasOlder: res.data.more, stale: false })
}

export async function loadOlder(id: string): Promise<void> {
  const thread = threadOf(id)
  const first = thread.items[0]
  if (thread.loading || !thread.hasOlder || !first) return
  patch(id, { loading: true, failed: false })
  const res = await api(`/conversations/${encodeURIComponent(id)}/messages?before=${first.seq}&limit=${PAGE_SIZE}`, {
    schema: MessagesResponseSchema,
  })
  if (!res.ok) return patch(id, { loading: false, failed: true })
  patch(id, { items: mergeMessages(threadOf(id).items, res.data.messages), loading: false, hasOlder: res.data.more })
}

/** After a reconnect: only what is newer than the last seq we hold, page by page. */
export async function catchUp(id: string): Promise<void> {
  if (threadOf(id).loading) return
  patch(id, { loading: true, failed: false })
  for (let page = 0; page < CATCH_UP_PAGES_MAX; page++) {
    const after = lastSeqOf(id)
    const res = await api(`/conversations/${encodeURIComponent(id)}/messages?after=${after}&limit=${PAGE_SIZE}`, {
      schema: MessagesResponseSchema,
    })
    if (!res.ok) return patch(id, { loading: false, failed: true })
    noteMessages(res.data.messages)
    patch(id, { items: mergeMessages(threadOf(id).items, res.data.messages) })
    if (!res.data.more || res.data.messages.length === 0) break
  }
  patch(id, { loading: false, stale: false })
}

/** Retry after a failed load: whichever load the thread still needs. */
export function retryThread(id: string): Promise<void> {
  const thread = threadOf(id)
  return thread.loaded ? catchUp(id) : loadLatest(id)
}

/** Every thread we hold may have missed messages while the socket was down. */
export function markThreadsStale(): void {
  for (const [id, thread] of Object.entries($threads.get())) if (thread.loaded) patch(id, { stale: true })
}

export function resetThreads(): void {
  $threads.set({})
}
