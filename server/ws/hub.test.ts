import { describe, expect, it } from 'vitest'
import { CloseCode, type ServerFrame } from '../../protocol/index.ts'
import { createHub, type HubSocket } from './hub.ts'

function fakeSocket(bufferedAmount = 0) {
  const sent: string[] = []
  const closed: number[] = []
  const socket: HubSocket & { sent: string[]; closed: number[]; bufferedAmount: number } = {
    sent, closed, bufferedAmount,
    send: (d) => void sent.push(d),
    close: (code) => void closed.push(code),
  }
  return socket
}

const pong: ServerFrame = { type: 'pong', id: '1' }
const typing: ServerFrame = { type: 'typing', conv: 'c', side: 'visitor', on: true, name: null }

describe('hub', () => {
  it('broadcasts once per socket across rooms, serializing once', () => {
    const hub = createHub()
    const a = fakeSocket()
    const b = fakeSocket()
    hub.join('r1', a)
    hub.join('r2', a)
    hub.join('r2', b)
    expect(hub.broadcast(['r1', 'r2'], pong)).toBe(2)
    expect(a.sent).toEqual([JSON.stringify(pong)])
    expect(b.sent).toHaveLength(1)
    expect(a.sent[0]).toBe(b.sent[0]) // the same string instance: serialized once
  })

  it('drops ephemeral frames for a slow socket, closes an overflowing one, and still serves the others', () => {
    const hub = createHub({ ephemeralDropBytes: 100, closeBufferedBytes: 1000 })
    const fast = fakeSocket(0)
    const slow = fakeSocket(500)
    const stuck = fakeSocket(5000)
    for (const s of [fast, slow, stuck]) hub.join('r', s)
    hub.broadcast(['r'], typing, { ephemeral: true })
    expect(fast.sent).toHaveLength(1)
    expect(slow.sent).toHaveLength(0)
    expect(stuck.closed).toEqual([CloseCode.Resume])
    hub.broadcast(['r'], pong)
    expect(slow.sent).toHaveLength(1) // durable frames still go to a merely slow socket
    expect(fast.sent).toHaveLength(2)
    expect(hub.size('r')).toBe(2)
  })

  it('leaveAll removes a socket from every room; closeRoom closes members', () => {
    const hub = createHub()
    const a = fakeSocket()
    hub.join('r1', a)
    hub.join('r2', a)
    hub.leaveAll(a)
    expect(hub.size('r1') + hub.size('r2')).toBe(0)
    hub.join('v', a)
    hub.closeRoom('v', 4001, 'rotated')
    expect(a.closed).toEqual([4001])
    expect(hub.size('v')).toBe(0)
  })

  it('skips the excepted socket', () => {
    const hub = createHub()
    const a = fakeSocket()
    const b = fakeSocket()
    hub.join('r', a)
    hub.join('r', b)
    hub.broadcast(['r'], pong, { except: a })
    expect(a.sent).toHaveLength(0)
    expect(b.sent).toHaveLength(1)
  })
})
