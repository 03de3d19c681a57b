import { describe, expect, it } from 'vitest'
import { createPersist, idbBackend, type Backend } from './persist.ts'

const throwing: Backend = {
  get: () => Promise.reject(new Error('blocked')),
  set: () => Promise.reject(new Error('blocked')),
  del: () => Promise.reject(new Error('blocked')),
  keys: () => Promise.reject(new Error('blocked')),
}

function mapBackend(): Backend & { map: Map<string, unknown> } {
  const map = new Map<string, unknown>()
  return {
    map,
    get: async (k) => map.get(k),
    set: async (k, v) => void map.set(k, v),
    del: async (k) => void map.delete(k),
    keys: async () => [...map.keys()],
  }
}

describe('persist', () => {
  it('falls back to memory when IndexedDB rejects', async () => {
    const p = createPersist(throwing)
    await p.set('session', { token: 't' })
    expect(await p.get('session')).toEqual({ token: 't' })
    expect(p.memoryOnly()).toBe(true)
    await p.set('outbox:a', 1)
    await p.set('outbox:b', 2)
    await p.del('outbox:a')
    expect(await p.keys('outbox:')).toEqual(['outbox:b'])
  })

  it('falls back to memory where indexedDB does not exist at all (idb-keyval throws)', async () => {
    const p = createPersist(idbBackend('kefu-test'))
    expect(await p.get('session')).toBeUndefined()
    await p.set('messages:c1', [1, 2])
    expect(await p.get('messages:c1')).toEqual([1, 2])
    expect(p.memoryOnly()).toBe(true)
  })

  it('falls back to memory when IndexedDB never answers', async () => {
    const hanging: Backend = { ...throwing, get: () => new Promise(() => {}) }
    const p = createPersist(hanging, 20)
    expect(await p.get('site')).toBeUndefined()
    expect(p.memoryOnly()).toBe(true)
  })

  it('reads what an earlier page stored and lists keys by prefix', async () => {
    const backend = mapBackend()
    backend.map.set('outbox:x', { cid: 'x' })
    backend.map.set('session', { token: 'old' })
    const p = createPersist(backend)
    expect(await p.get('session')).toEqual({ token: 'old' })
    await p.set('outbox:y', { cid: 'y' })
    expect((await p.keys('outbox:')).sort()).toEqual(['outbox:x', 'outbox:y'])
    await p.del('outbox:x')
    expect(backend.map.has('outbox:x')).toBe(false)
    expect(await p.keys('outbox:')).toEqual(['outbox:y'])
  })

  it('refuses keys outside the allowlist', async () => {
    const p = createPersist(mapBackend())
    await expect(p.set('password' as never, 'x')).rejects.toThrow(/not allowed/)
  })
})
