import { atom } from 'nanostores'
import type { Agent, Site } from '../../protocol/index.ts'
import { api, type ApiError } from '../lib/api.ts'
import { LoginSchema, MeSchema, OkSchema } from '../lib/schemas.ts'

/**
 * Who is signed in. The HttpOnly `kefu_session` cookie is the credential; the console never sees or
 * stores a token. `GET /api/agent/me` on load decides whether the cookie is still good.
 */
export type Session =
  | { state: 'loading' }
  | { state: 'signed-out'; expired: boolean }
  | { state: 'signed-in'; agent: Agent; sites: readonly Site[] }

export type LoginError =
  | { kind: 'credentials' }
  | { kind: 'rate-limited'; retryAfterSec: number | null }
  | { kind: 'invalid' }
  | { kind: 'network' }
  | { kind: 'server'; code: string }

export const $session = atom<Session>({ state: 'loading' })
export const $login = atom<{ busy: boolean; error: LoginError | null }>({ busy: false, error: null })

/** Other console tabs of this browser share the cookie: sign-in and sign-out follow them at once. */
let tabs: BroadcastChannel | null = null

export function loginErrorOf(error: ApiError): LoginError {
  if (error.status === 401 || error.status === 403) return { kind: 'credentials' }
  if (error.status === 429) return { kind: 'rate-limited', retryAfterSec: error.retryAfterSec }
  if (error.status === 400) return { kind: 'invalid' }
  if (error.status === 0) return { kind: 'network' }
  return { kind: 'server', code: error.code === 'bad_response' ? String(error.status) : error.code }
}

/** On load, and after login: who am I and which sites are mine. */
export async function loadSession(): Promise<void> {
  const res = await api('/agent/me', { schema: MeSchema, expect401: true })
  if (res.ok) return $session.set({ state: 'signed-in', agent: res.data.agent, sites: res.data.sites })
  // A network failure on load also lands on the login screen, which says so when the agent tries.
  $session.set({ state: 'signed-out', expired: false })
}

export async function login(email: string, password: string): Promise<void> {
  if ($login.get().busy) return
  if (!email.trim() || !password) return $login.set({ busy: false, error: { kind: 'invalid' } })
  $login.set({ busy: true, error: null })
  const res = await api('/agent/login', { method: 'POST', body: { email: email.trim(), password }, schema: LoginSchema, expect401: true })
  if (!res.ok) return $login.set({ busy: false, error: loginErrorOf(res.error) })
  const me = await api('/agent/me', { schema: MeSchema, expect401: true })
  $login.set({ busy: false, error: null })
  // `me` failing right after a good login means the cookie did not stick (blocked third-party cookies).
  if (!me.ok) return $login.set({ busy: false, error: loginErrorOf(me.error) })
  $session.set({ state: 'signed-in', agent: me.data.agent, sites: me.data.sites })
  tabs?.postMessage('login')
}

export async function logout(): Promise<void> {
  await api('/agent/logout', { method: 'POST', schema: OkSchema, expect401: true })
  $session.set({ state: 'signed-out', expired: false })
  tabs?.postMessage('logout')
}

export function followOtherTabs(): void {
  if (tabs || typeof BroadcastChannel === 'undefined') return
  tabs = new BroadcastChannel('kefu.console.session')
  tabs.onmessage = (event) => {
    if (event.data === 'logout') $session.set({ state: 'signed-out', expired: false })
    if (event.data === 'login' && $session.get().state !== 'signed-in') void loadSession()
  }
}

/** The server no longer accepts the session (401 on REST, close 4001 on the socket). */
export function expireSession(): void {
  if ($session.get().state === 'signed-in') $session.set({ state: 'signed-out', expired: true })
}
