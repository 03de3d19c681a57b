import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import WebSocket, { WebSocketServer } from 'ws'
import { afterEach, expect, it, vi } from 'vitest'
import { emptyReplacedWsFragments } from './ws-receiver.ts'

type Receiving = { _receiver: { _fragments: unknown[] } }

let wss: WebSocketServer | null = null
afterEach(async () => {
  if (wss) await new Promise((resolve) => wss!.close(resolve))
  wss = null
})

/** A real `ws` server on loopback with the fix installed, and one client connected to it. */
async function connect(onSocket: (ws: WebSocket) => void): Promise<WebSocket> {
  expect(emptyReplacedWsFragments()).toBe(true)
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await once(wss, 'listening')
  wss.on('connection', onSocket)
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`)
  await once(client, 'open')
  return client
}

it('empties the array that held a finished message’s frames, and messages, fragmented or not, arrive whole', async () => {
  const received: string[] = []
  const replaced: unknown[][] = []
  const client = await connect((ws) => {
    const receiver = (ws as unknown as Receiving)._receiver
    let current = receiver._fragments
    ws.on('message', (data) => {
      received.push(String(data))
      replaced.push(current)
      current = receiver._fragments
    })
  })
  client.send('你好', { fin: false })
  client.send('，世界', { fin: true })
  client.send('second')
  await vi.waitFor(() => expect(received).toHaveLength(2))
  client.close()
  expect(received).toEqual(['你好，世界', 'second'])
  // Without the fix these still hold the two frames of the first message and the one of the second.
  expect(replaced).toHaveLength(2)
  expect(replaced.map((fragments) => fragments.length)).toEqual([0, 0])
})

it('leaves the array alone where the listener is handed the array itself (binaryType "fragments")', async () => {
  const received: Buffer[][] = []
  const client = await connect((ws) => {
    ws.binaryType = 'fragments'
    ws.on('message', (data) => received.push(data as Buffer[]))
  })
  client.send(Buffer.from('part one, '), { binary: true, fin: false })
  client.send(Buffer.from('part two'), { binary: true, fin: true })
  await vi.waitFor(() => expect(received).toHaveLength(1))
  client.close()
  expect(received[0]!.map(String)).toEqual(['part one, ', 'part two'])
})
