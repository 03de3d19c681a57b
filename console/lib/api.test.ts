import * as v from 'valibot'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { api, setUnauthorizedHandler } from './api.ts'

const reply = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  vi.fn(async () => new Response(body === undefined ? null : JSON.stringify(body), { status, headers }))

afterEach(() => {
  vi.unstubAllGlobals()
  setUnauthorizedHandler(() => {})
})

const Schema = v.object({ ok: v.literal(true) })

describe('api', () => {
  it('returns validated data', async () => {
    vi.stubGlobal('fetch', reply(200, { ok: true, extra: 1 }))
    expect(await api('/x', { schema: Schema })).toEqual({ ok: true, data: { ok: true } })
  })

  it('posts JSON with a JSON content type, same-origin credentials', async () => {
    const fetchMock = reply(200, { ok: true })
    vi.stubGlobal('fetch', fetchMock)
    await api('/conversations/c1/resolve', { method: 'POST', schema: Schema })
    expect(fetchMock).toHaveBeenCalledWith('/api/conversations/c1/resolve', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: '{}',
    })
  })

  it('maps error bodies, Retry-After and network failures', async () => {
    vi.stubGlobal('fetch', reply(429, { error: { code: 'rate_limited', message: 'slow down' } }, { 'retry-after': '42' }))
    expect(await api('/x', { schema: Schema })).toEqual({
      ok: false,
      error: { status: 429, code: 'rate_limited', message: 'slow down', retryAfterSec: 42, scriptErrors: [] },
    })
    vi.stubGlobal('fetch', reply(502, undefined))
    expect(await api('/x', { schema: Schema })).toMatchObject({ ok: false, error: { status: 502, code: 'internal' } })
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))))
    expect(await api('/x', { schema: Schema })).toMatchObject({ ok: false, error: { status: 0, code: 'network' } })
  })

  it('puts a script body with PUT and hands back the line-numbered errors of a 422', async () => {
    const errors = [{ line: 12, column: 5, message: 'intent "hours" has no examples' }]
    const fetchMock = reply(422, { error: { code: 'invalid_script', message: 'script has 1 error' }, errors })
    vi.stubGlobal('fetch', fetchMock)
    const res = await api('/sites/demo/bot/scripts/default', { method: 'PUT', body: { source: 'intents: {}' }, schema: Schema })
    expect(fetchMock).toHaveBeenCalledWith('/api/sites/demo/bot/scripts/default', {
      method: 'PUT',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: '{"source":"intents: {}"}',
    })
    expect(res).toMatchObject({ ok: false, error: { status: 422, code: 'invalid_script', scriptErrors: errors } })
  })

  it('refuses a response that does not match the schema', async () => {
    vi.stubGlobal('fetch', reply(200, { ok: 'yes' }))
    expect(await api('/x', { schema: Schema })).toMatchObject({ ok: false, error: { code: 'bad_response' } })
  })

  it('reports a lost session on 401, except where 401 is an expected answer', async () => {
    const lost = vi.fn()
    setUnauthorizedHandler(lost)
    vi.stubGlobal('fetch', reply(401, { error: { code: 'unauthorized', message: 'no' } }))
    await api('/agent/me', { schema: Schema, expect401: true })
    expect(lost).not.toHaveBeenCalled()
    await api('/conversations', { schema: Schema })
    expect(lost).toHaveBeenCalledOnce()
  })
})
