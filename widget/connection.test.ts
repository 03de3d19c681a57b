import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket as NodeWebSocket, WebSocketServer, type WebSocket as ServerSocket } from 'ws'
import { CloseCode, PROTOCOL_VERSION, parseServerFrame, type ServerFrame } from '../protocol/index.ts'
import { backoffDelay, createConnection, type Connection } from './connection.ts'

/** An in-process fake server speaking just enough of the protocol: welcome on hello, pong on ping. */
async function fakeServer(opts: { answerPings?: boolean } = {}) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  await once(wss, 'listening')
  const hellos: unknown[] = []
  const sockets: ServerSocket[] = []
  wss.on('connection', (socket) => {
    sockets.push(socket)
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data))
      if (frame.type === 'hello') {
        hellos.push(frame)
        const welcome: ServerFrame = { type: 'welcome', v: PROTOCOL_VERSION, role: 'visitor', me: 'v1', conversations: [] }
        socket.send(JSON.stringify(welcome))
      }
      if (frame.type === 'ping' && opts.answerPings !== false) socket.send(JSON.stringify({ type: 'pong', id: frame.id }))
    })
  })
  const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ws`
  return { wss, url, hellos, sockets, close: () => new Promise((r) => wss.close(r)) }
}

function until(check: () => boolean, ms = 3000): Promise<void> {
  const start = Date.now()
  return new Promise((resolve, reject) => {
    const tick = () => (check() ? resolve() : Date.now() - start > ms ? reject(new Error('timed out')) : setTimeout(tick, 10))
    tick()
  })
}

let conn: Connection | undefined
let server: Awaited<ReturnType<typeof fakeServer>> | undefined
afterEach(async () => {
  conn?.stop()
  await server?.close()
})

describe('connection', () => {
  it('says hello with fresh credentials on every connect and reconnects after a drop', async () => {
    server = await fakeServer()
    let token = 'a'
    let ready = 0
    conn = createConnection({
      parse: parseServerFrame,
      url: () => server!.url,
      hello: () => ({ type: 'hello', v: PROTOCOL_VERSION, token }),
      onFrame: () => {},
      onReady: () => ready++,
      WebSocket: NodeWebSocket as unknown as typeof WebSocket,
      random: () => 0,
    })
    conn.start()
    await until(() => conn!.$state.get() === 'connected')
    expect(conn.send({ type: 'typing', on: true })).toBe(true)
    token = 'b'
    server.sockets[0]!.terminate()
    await until(() => ready === 2)
    expect(server.hellos).toEqual([
      { type: 'hello', v: PROTOCOL_VERSION, token: 'a' },
      { type: 'hello', v: PROTOCOL_VERSION, token: 'b' },
    ])
  })

  it('stops and reports when the server refuses the credentials', async () => {
    server = await fakeServer()
    server.wss.removeAllListeners('connection')
    server.wss.on('connection', (s) => s.close(CloseCode.Unauthorized, 'bad token'))
    let refused = 0
    conn = createConnection({
      parse: parseServerFrame,
      url: () => server!.url,
      hello: () => ({ type: 'hello', v: PROTOCOL_VERSION }),
      onFrame: () => {},
      onUnauthorized: () => refused++,
      WebSocket: NodeWebSocket as unknown as typeof WebSocket,
      random: () => 0,
    })
    conn.start()
    await until(() => refused === 1)
    await new Promise((r) => setTimeout(r, 100))
    expect(conn.$state.get()).toBe('disconnected')
    expect(refused).toBe(1)
    expect(conn.send({ type: 'typing', on: true })).toBe(false)
  })

  it('replaces a socket that stops answering pings when checked', async () => {
    server = await fakeServer({ answerPings: false })
    let ready = 0
    conn = createConnection({
      parse: parseServerFrame,
      url: () => server!.url,
      hello: () => ({ type: 'hello', v: PROTOCOL_VERSION }),
      onFrame: () => {},
      onReady: () => ready++,
      WebSocket: NodeWebSocket as unknown as typeof WebSocket,
      random: () => 0,
      timing: { clientPongTimeoutMs: 100 },
    })
    conn.start()
    await until(() => ready === 1)
    conn.check()
    await until(() => ready === 2)
    expect(server.sockets).toHaveLength(2)
  })

  it('backs off with full jitter, capped', () => {
    expect(backoffDelay(0, () => 0.999)).toBeLessThan(500)
    expect(backoffDelay(3, () => 0.999)).toBeGreaterThan(3900)
    expect(backoffDelay(30, () => 0.999)).toBeLessThanOrEqual(15_000)
    expect(backoffDelay(30, () => 0)).toBe(0)
  })
})
