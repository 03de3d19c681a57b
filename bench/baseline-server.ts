import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import { WebSocketServer, type WebSocket } from 'ws'
import { emptyReplacedWsFragments } from '../server/ws/ws-receiver.ts'

/**
 * The platform's limit: a bare `ws` relay with Kefu's fan-out shape and frames, but no auth, no schema
 * validation and no storage. Visitors (`/ws?site=KEY`) sit in their own room; agents say the site key as
 * their `hello` token and sit in the site's room. A `send` is acked at once and its `message` goes to the
 * visitor's room and the site's room except the socket that sent it, serialized once, exactly as Kefu's hub does.
 */

const port = Number(process.env.PORT ?? 8788)
const host = process.env.HOST ?? '127.0.0.1'
/** Same chat-sized limit as Kefu's server. */
const MAX_PAYLOAD = 64 * 1024

type Peer = { role: 'visitor' | 'agent'; id: string; site: string; rooms: string[] }

const rooms = new Map<string, Set<WebSocket>>()
const seqs = new Map<string, number>()
let visitors = 0

const join = (name: string, ws: WebSocket) => {
  let members = rooms.get(name)
  if (!members) rooms.set(name, (members = new Set()))
  members.add(ws)
}
const broadcast = (names: string[], data: string, except: WebSocket) => {
  for (const name of names) for (const ws of rooms.get(name) ?? []) if (ws !== except) ws.send(data)
}

const server = createServer((req, res) => {
  res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'text/plain' }).end(req.url === '/healthz' ? 'ok' : 'not found')
})
// The same fix to `ws`'s receiver as Kefu's socket server: a GC fix of the platform, not Kefu's own work.
emptyReplacedWsFragments()
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_PAYLOAD })

server.on('upgrade', (req, socket, head) => {
  socket.on('error', () => socket.destroy())
  const site = new URL(req.url ?? '/', 'http://baseline.invalid').searchParams.get('site')
  wss.handleUpgrade(req, socket, head, (ws) => {
    let peer: Peer | null = null
    ws.on('error', () => undefined)
    ws.on('close', () => {
      for (const name of peer?.rooms ?? []) rooms.get(name)?.delete(ws)
    })
    ws.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as { type: string; id?: string; token?: string; conv?: string; cid?: string; text?: string }
      if (frame.type === 'hello') {
        peer = site !== null
          ? { role: 'visitor', id: `v_${(++visitors).toString(36).padStart(16, '0')}`, site, rooms: [] }
          : { role: 'agent', id: 'a_baseline', site: frame.token ?? '', rooms: [] }
        peer.rooms.push(peer.role === 'visitor' ? `v:${peer.id}` : `s:${peer.site}`)
        for (const name of peer.rooms) join(name, ws)
        ws.send(JSON.stringify({ type: 'welcome', v: 1, role: peer.role, me: peer.id, conversations: [] }))
        return
      }
      if (!peer) return
      if (frame.type === 'ping') return ws.send(JSON.stringify({ type: 'pong', id: frame.id }))
      if (frame.type !== 'send') return
      const conv = peer.role === 'visitor' ? `c_${peer.id}` : frame.conv ?? ''
      const seq = (seqs.get(conv) ?? 0) + 1
      seqs.set(conv, seq)
      const message = {
        id: `m_${randomBytes(12).toString('base64url')}`, conv, seq, cid: frame.cid ?? '', sender: peer.role, senderId: peer.id,
        senderName: null, text: frame.text ?? '', ts: Date.now(),
      }
      ws.send(JSON.stringify({ type: 'ack', id: frame.id, cid: message.cid, conv, msgId: message.id, seq, ts: message.ts }))
      broadcast([`v:${conv.slice(2)}`, `s:${peer.site}`], JSON.stringify({ type: 'message', message }), ws)
    })
  })
})

server.listen(port, host, () => {
  process.stdout.write(`baseline listening on http://${host}:${port}\n`)
})
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    for (const ws of wss.clients) ws.terminate()
    server.close(() => process.exit(0))
  })
}
