import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { $login, $session, expireSession, login, loginErrorOf } from './session.ts'

const agent = { id: 'ag1', email: 'admin@kefu.local', name: 'Admin', role: 'admin' }
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } })

beforeEach(() => {
  $session.set({ state: 'signed-out', expired: false })
  $login.set({ busy: false, error: null })
})
afterEach(() => vi.unstubAllGlobals())

describe('login', () => {
  it('signs in and loads the agent and sites', async () => {
    const fetchMock = vi.fn(async (url: string) =>
      url === '/api/agent/login' ? json(200, { token: 't', agent }) : json(200, { agent, sites: [{ key: 'demo', name: 'Demo', color: '#2563eb', greeting: null }] }),
    )
    vi.stubGlobal('fetch', fetchMock)
    await login(' admin@kefu.local ', 'secret123')
    expect(JSON.parse(String((fetchMock.mock.calls[0] as unknown as [string, RequestInit])[1].body))).toEqual({ email: 'admin@kefu.local', password: 'secret123' })
    expect($session.get()).toMatchObject({ state: 'signed-in', agent: { id: 'ag1' }, sites: [{ key: 'demo' }] })
    expect($login.get()).toEqual({ busy: false, error: null })
  })

  it('says which error it was', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json(401, { error: { code: 'unauthorized', message: 'wrong email or password' } })))
    await login('admin@kefu.local', 'nope')
    expect($login.get().error).toEqual({ kind: 'credentials' })
    expect($session.get().state).toBe('signed-out')

    vi.stubGlobal('fetch', vi.fn(async () => json(429, { error: { code: 'rate_limited', message: 'x' } }, { 'retry-after': '30' })))
    await login('admin@kefu.local', 'nope')
    expect($login.get().error).toEqual({ kind: 'rate-limited', retryAfterSec: 30 })

    await login('', '')
    expect($login.get().error).toEqual({ kind: 'invalid' })
  })

  it('maps statuses to error kinds', () => {
    const e = (status: number, code = 'internal') => loginErrorOf({ status, code: code as 'internal', message: '', retryAfterSec: null, scriptErrors: [] })
    expect(e(0, 'network')).toEqual({ kind: 'network' })
    expect(e(400)).toEqual({ kind: 'invalid' })
    expect(e(500)).toEqual({ kind: 'server', code: 'internal' })
  })

  it('expiring a live session shows the login with a notice', () => {
    $session.set({ state: 'signed-in', agent: { id: 'a', email: 'e', name: 'n', role: 'agent' }, sites: [] })
    expireSession()
    expect($session.get()).toEqual({ state: 'signed-out', expired: true })
  })
})
