import { describe, expect, it } from 'vitest'
import { createOutbox, type Pending } from './outbox.ts'
import { createPersist, type Backend } from './persist.ts'

function memoryBackend(): Backend {
  const map = new Map<string, unknown>()
  return { get: async (k) => map.get(k), set: async (k, v) => void map.set(k, v), del: async (k) => void map.delete(k), keys: async () => [...map.keys()] }
}

function setup(backend = memoryBackend()) {
  let online = false
  const wire: string[] = []
  let n = 0
  let clock = 1000
  const outbox = createOutbox({
    persist: createPersist(backend),
    send: (item: Pending) => (online ? (wire.push(item.cid), true) : false),
    newCid: () => `cid${++n}`,
    now: () => clock,
  })
  return { outbox, wire, backend, goOnline: (v = true) => (online = v), tick: () => clock++ }
}

describe('outbox', () => {
  it('keeps what is typed offline and sends it in order once connected', () => {
    const { outbox, wire, goOnline } = setup()
    outbox.add('one')
    outbox.add('two')
    expect(wire).toEqual([])
    expect(outbox.$items.get().map((i) => i.text)).toEqual(['one', 'two'])
    goOnline()
    outbox.flush()
    outbox.flush()
    expect(wire).toEqual(['cid1', 'cid2'])
    outbox.add('three')
    expect(wire).toEqual(['cid1', 'cid2', 'cid3'])
  })

  it('resends unacked items with the same cid after a reconnect, and forgets acked ones', () => {
    const { outbox, wire, goOnline } = setup()
    goOnline()
    outbox.add('a')
    outbox.add('b')
    expect(outbox.ack('cid1')?.text).toBe('a')
    expect(outbox.ack('cid1')).toBeUndefined()
    outbox.reconnected()
    outbox.flush()
    expect(wire).toEqual(['cid1', 'cid2', 'cid2'])
    expect(outbox.$items.get().map((i) => i.cid)).toEqual(['cid2'])
  })

  it('keeps failed items out of the stream until retried, and resends rate-limited ones', () => {
    const { outbox, wire, goOnline } = setup()
    goOnline()
    outbox.add('too long')
    outbox.fail('cid1')
    outbox.add('ok')
    outbox.unsend('cid2')
    outbox.flush()
    expect(wire).toEqual(['cid1', 'cid2', 'cid2'])
    expect(outbox.$items.get()[0]!.failed).toBe(true)
    outbox.retry('cid1')
    expect(wire).toEqual(['cid1', 'cid2', 'cid2', 'cid1'])
  })

  it('survives a reload: a new page loads the persisted items in their order', async () => {
    const first = setup()
    first.outbox.add('x')
    first.tick()
    first.outbox.add('y')
    first.outbox.add('z')
    first.outbox.ack('cid3')
    await new Promise((r) => setTimeout(r, 0))
    const second = setup(first.backend)
    await second.outbox.load()
    expect(second.outbox.$items.get().map((i) => i.text)).toEqual(['x', 'y'])
    second.goOnline()
    second.outbox.flush()
    expect(second.wire).toEqual(['cid1', 'cid2'])
  })
})
