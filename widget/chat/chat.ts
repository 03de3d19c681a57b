import { atom } from 'nanostores'
import {
  ErrorCode,
  MessagesResponseSchema,
  PROTOCOL_VERSION,
  TIMING,
  parseVisitorFrame,
  type Attributes,
  type Conversation,
  type Message,
  type VisitorServerFrame,
  type Site,
} from '../../protocol/index.ts'
import { backoffDelay, createConnection } from '../connection.ts'
import { api, checked, isApiError } from './api.ts'
import { postToHost } from './embed.ts'
import { EMBED, SITE, wsUrl } from './env.ts'
import { mergeConversation, mergeMessages } from '../merge.ts'
import { isReply, newestAgentSeq, resumeSeq, unreadCount } from './messages.ts'
import { createOutbox } from './outbox.ts'
import { derived } from './derived.ts'
import { createPersist, idbBackend } from './persist.ts'
import { $site, $visitor, adoptSession, currentToken, identifySession, openSession, type StoredSession } from './session.ts'

/** Everything the chat screen shows, as small stores; components only read them and call the actions. */

const TYPING_SEND_EVERY_MS = 3_000
const PERSIST_DEBOUNCE_MS = 250
/** Messages kept in IndexedDB per conversation (older ones are on the server). */
const PERSIST_MESSAGES_MAX = 500
/** Conversations named in `hello.resume` (the protocol's limit). */
const RESUME_MAX = 100
const RATE_LIMIT_RETRY_MS = 3_000
const HOST_INIT_WAIT_MS = 3_000
/** Refusals that may pass: the message waits and is sent again; any other marks it failed. */
const RETRYABLE: readonly ErrorCode[] = [ErrorCode.RateLimited, ErrorCode.NotReady, ErrorCode.Internal]

export const persist = createPersist(idbBackend(`kefu-${SITE}`))

export const $convs = atom<Record<string, Conversation>>({})
export const $messages = atom<Record<string, readonly Message[]>>({})
export const $typing = atom<{ name: string | null } | null>(null)
/** The panel is open (always, outside an iframe). */
export const $open = atom(!EMBED)
export const $visible = atom(typeof document === 'undefined' || document.visibilityState === 'visible')
export const $unread = derived([$convs, $messages], () => unreadCount($convs.get(), $messages.get()))

const connection = createConnection({
  url: wsUrl,
  hello: () => ({ type: 'hello', v: PROTOCOL_VERSION, token: currentToken() ?? undefined, resume: resumeMap() }),
  parse: parseVisitorFrame,
  onFrame,
  onReady() {
    outbox.reconnected()
    outbox.flush()
    markRead()
  },
  onUnauthorized: () => void serial(recoverSession),
})
export const $connection = connection.$state

export const outbox = createOutbox({
  persist,
  send: (item) => connection.send({ type: 'send', id: item.cid, cid: item.cid, text: item.text }),
})

let me: string | null = null
let typingTimer: ReturnType<typeof setTimeout> | undefined
let typingSentAt = 0

function resumeMap(): Record<string, number> | undefined {
  const entries = Object.entries($messages.get())
    .filter(([, list]) => list.length)
    .sort(([, a], [, b]) => b[b.length - 1]!.ts - a[a.length - 1]!.ts)
    .slice(0, RESUME_MAX)
    .map(([conv, list]) => [conv, resumeSeq(list)] as const)
  return entries.length ? Object.fromEntries(entries) : undefined
}

/** Applies one server frame to the stores (exported for tests). */
export function onFrame(frame: VisitorServerFrame): void {
  switch (frame.type) {
    case 'welcome':
      me = frame.me
      for (const c of frame.conversations) putConversation(c)
      return
    case 'ack': {
      const item = outbox.ack(frame.cid)
      if (item) {
        addMessages(frame.conv, [
          { id: frame.msgId, conv: frame.conv, seq: frame.seq, cid: frame.cid, sender: 'visitor', senderId: me ?? '', senderName: null, text: item.text, ts: frame.ts },
        ])
      }
      return
    }
    case 'message': {
      const m = frame.message
      if (m.sender === 'visitor' && outbox.has(m.cid)) outbox.ack(m.cid)
      if (m.sender === 'agent') $typing.set(null)
      addMessages(m.conv, [m])
      return
    }
    case 'synced':
      if (frame.more) void pageAfter(frame.conv)
      return
    case 'conversation':
      putConversation(frame.conversation)
      return
    case 'typing':
      if (frame.side !== 'agent') return
      clearTimeout(typingTimer)
      $typing.set(frame.on ? { name: frame.name } : null)
      if (frame.on) typingTimer = setTimeout(() => $typing.set(null), TIMING.typingTtlMs)
      return
    case 'read': {
      const held = $convs.get()[frame.conv]
      if (!held) return
      const key = frame.side === 'agent' ? 'agentReadSeq' : 'visitorReadSeq'
      if (held[key] < frame.seq) putConversation({ ...held, [key]: frame.seq })
      return
    }
    case 'error':
      if (frame.id && outbox.has(frame.id)) {
        if (RETRYABLE.includes(frame.code)) {
          outbox.unsend(frame.id)
          setTimeout(outbox.flush, RATE_LIMIT_RETRY_MS)
        } else outbox.fail(frame.id)
      } else if (import.meta.env.DEV) console.warn('kefu: server error', frame)
      return
    case 'pong':
      return
    default:
      frame satisfies never
  }
}

function putConversation(next: Conversation): void {
  const all = $convs.get()
  $convs.set({ ...all, [next.id]: mergeConversation(all[next.id], next) })
  saveLater('convs')
}

/** Merges messages into one conversation and tells the host page about replies it has not seen. */
function addMessages(conv: string, incoming: Message[]): void {
  const all = $messages.get()
  const held = all[conv] ?? []
  const merged = mergeMessages(held, incoming)
  if (merged === held) return
  const known = new Set(held.map((m) => m.id))
  // Taken before the update: an open panel marks the new messages read synchronously inside `set`.
  const readSeq = $convs.get()[conv]?.visitorReadSeq ?? 0
  $messages.set({ ...all, [conv]: merged })
  saveLater(`messages:${conv}`)
  if (!$convs.get()[conv] && merged[0]) putConversation(placeholder(conv, merged[0]))
  for (const m of incoming) {
    if (!isReply(m) || known.has(m.id) || m.seq <= readSeq) continue
    known.add(m.id)
    postToHost({ type: 'message', message: { id: m.id, conv: m.conv, seq: m.seq, text: m.text, senderName: m.senderName, ts: m.ts } })
  }
}

/** Until the server's `conversation` frame arrives, a conversation known only from its messages. */
function placeholder(conv: string, first: Message): Conversation {
  return {
    id: conv, site: SITE, visitorId: me ?? '', visitorName: null, status: 'open', lastSeq: first.seq,
    visitorReadSeq: 0, agentReadSeq: 0, lastMessage: null, holder: 'human', handoff: null, labels: [], team: null,
    variant: null, rating: null, createdAt: first.ts, updatedAt: first.ts,
  }
}

const paging = new Set<string>()

/** Replay stopped at its bound: page the rest over REST from what is held, never the whole history. */
async function pageAfter(conv: string): Promise<void> {
  if (paging.has(conv)) return
  paging.add(conv)
  try {
    for (;;) {
      const after = resumeSeq($messages.get()[conv] ?? [])
      const raw = await api(`/api/conversations/${encodeURIComponent(conv)}/messages?after=${after}`, { token: currentToken() })
      const page = checked(MessagesResponseSchema, raw)
      addMessages(conv, page.messages)
      if (!page.more || !page.messages.length) return
    }
  } catch (error) {
    if (import.meta.env.DEV) console.warn('kefu: paging failed', error)
  } finally {
    paging.delete(conv)
  }
}

const saveTimers = new Map<string, ReturnType<typeof setTimeout>>()

/** Writes one key a moment after the last change, so a burst of frames is one IndexedDB write. */
function saveLater(key: 'convs' | `messages:${string}`): void {
  clearTimeout(saveTimers.get(key))
  saveTimers.set(
    key,
    setTimeout(() => {
      saveTimers.delete(key)
      if (key === 'convs') void persist.set(key, $convs.get())
      else void persist.set(key, ($messages.get()[key.slice(9)] ?? []).slice(-PERSIST_MESSAGES_MAX))
    }, PERSIST_DEBOUNCE_MS),
  )
}

/** Another visitor now: forget what was cached for the previous one. */
function clearLocal(): void {
  for (const conv of Object.keys($messages.get())) void persist.del(`messages:${conv}`)
  void persist.del('convs')
  $messages.set({})
  $convs.set({})
  $typing.set(null)
}

/** While the panel is open and the page visible, the newest agent message of each conversation is read. */
export function markRead(): void {
  if (!$open.get() || !$visible.get() || connection.$state.get() !== 'connected') return
  const convs = $convs.get()
  for (const [conv, list] of Object.entries($messages.get())) {
    const held = convs[conv]
    const seq = newestAgentSeq(list)
    if (!held || seq <= held.visitorReadSeq) continue
    if (connection.send({ type: 'read', conv, seq })) putConversation({ ...held, visitorReadSeq: seq })
  }
}

/** The visitor's 1–5 rating of a resolved conversation; the server's `conversation` frame confirms it. */
export function rate(conv: string, score: number): void {
  connection.send({ type: 'rate', conv, score })
}

/** Sends `text` now if connected, else as soon as it is; it is shown at once either way. */
export function send(text: string): void {
  const trimmed = text.trim()
  if (!trimmed) return
  stopTyping()
  outbox.add(trimmed)
}

/** Called on every keystroke in the composer: `typing on` at most every few seconds. */
export function typing(): void {
  const now = Date.now()
  if (now - typingSentAt < TYPING_SEND_EVERY_MS) return
  if (connection.send({ type: 'typing', on: true })) typingSentAt = now
}

export function stopTyping(): void {
  if (!typingSentAt) return
  typingSentAt = 0
  connection.send({ type: 'typing', on: false })
}

/**
 * Session work (open, recover, identify) runs one at a time, in the order asked, and across tabs too
 * (Web Locks, where there are any): two tabs opened at once by a new visitor share one visitor.
 */
let chain: Promise<unknown> = Promise.resolve()
function serial<T>(job: () => Promise<T>): Promise<T> {
  const locks = globalThis.navigator?.locks
  const locked = (): Promise<T> => (locks ? locks.request(`kefu:${SITE}`, job) : job())
  const next = chain.then(locked)
  chain = next.catch(() => {})
  return next
}

async function openWithRetry(candidate: string | null): Promise<void> {
  const stored = await persist.get<StoredSession>('session')
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await openSession(candidate)
      if (adoptSession(persist, res, stored?.visitorId ?? null)) clearLocal()
      return
    } catch (error) {
      // A refused body will not get better by retrying; a network or server failure may.
      if (isApiError(error) && error.status >= 400 && error.status < 500 && error.status !== 429) {
        if (candidate === null) throw error
        candidate = null
        continue
      }
      await new Promise((r) => setTimeout(r, backoffDelay(Math.min(attempt, 5)) + 250))
    }
  }
}

/** Close 4001: the token was refused. Another tab may have rotated it, so try the stored one first. */
async function recoverSession(): Promise<void> {
  const stored = await persist.get<StoredSession>('session')
  await openWithRetry(stored?.token ?? currentToken())
  connection.start()
}

/** First start: cached state is shown at once, then the session is opened and the socket connected. */
export async function start(hostToken: Promise<string | null>): Promise<void> {
  // Queued synchronously, so an identify or setAttributes from the loader always runs after it.
  await serial(() => load(hostToken))
  connection.start()
}

async function load(hostToken: Promise<string | null>): Promise<void> {
  const [site, convs, stored] = await Promise.all([
    persist.get<Site>('site'),
    persist.get<Record<string, Conversation>>('convs'),
    persist.get<StoredSession>('session'),
  ])
  if (site && !$site.get()) $site.set(site)
  if (convs) {
    $convs.set({ ...convs, ...$convs.get() })
    const lists = await Promise.all(Object.keys(convs).map((id) => persist.get<Message[]>(`messages:${id}`)))
    const all = { ...$messages.get() }
    Object.keys(convs).forEach((id, i) => (all[id] = mergeMessages(lists[i] ?? [], all[id] ?? [])))
    $messages.set(all)
  }
  await outbox.load()
  await openWithRetry(stored?.token ?? (await hostToken))
}

/** Waits for the loader's init (its copy of the token) a bounded time: an iframe must not hang on it. */
export function waitFor<T>(promise: Promise<T>, fallback: T, ms = HOST_INIT_WAIT_MS): Promise<T> {
  return Promise.race([promise, new Promise<T>((r) => setTimeout(() => r(fallback), ms))])
}

/** `Kefu('identify', { token })`: rotate the session to the site's known user; a refused token changes nothing. */
export function identify(userToken: string): Promise<void> {
  return serial(async () => {
    const before = $visitor.get()?.id ?? null
    try {
      const res = await identifySession(userToken)
      if (adoptSession(persist, res, before)) clearLocal()
    } catch (error) {
      const code = isApiError(error) ? error.code : 'error'
      report(code, `identify refused (${code}): ${error instanceof Error ? error.message : String(error)}`)
      return
    }
    connection.stop()
    connection.start()
  })
}

export function setAttributes(attributes: Attributes): Promise<void> {
  return serial(async () => {
    try {
      await api('/api/visitor/attributes', { body: { attributes }, token: currentToken() })
    } catch (error) {
      const code = isApiError(error) ? error.code : 'error'
      report(code, `setAttributes refused (${code})`)
    }
  })
}

function report(code: string, message: string): void {
  if (EMBED) postToHost({ type: 'error', code, message })
  else console.warn(`Kefu: ${message}`)
}

/** Page lifecycle: a tab or app coming back verifies its socket at once instead of waiting for a ping. */
export function watchLifecycle(): void {
  document.addEventListener('visibilitychange', () => {
    const visible = document.visibilityState === 'visible'
    $visible.set(visible)
    if (visible) connection.check()
  })
  addEventListener('pageshow', (e) => e.persisted && connection.check())
  addEventListener('online', () => connection.check())
  $open.listen(markRead)
  $visible.listen(markRead)
  $unread.listen(markRead)
}
