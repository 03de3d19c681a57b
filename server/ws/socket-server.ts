import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { parse as parseCookies } from 'hono/utils/cookie'
import { WebSocketServer, type WebSocket } from 'ws'
import { CloseCode } from '../../protocol/index.ts'
import { isOwnOrigin, originAllowed } from '../auth/origins.ts'
import { SESSION_COOKIE } from '../auth/sessions.ts'
import { SERVER_LIMITS } from '../config.ts'
import type { Deps } from '../deps.ts'
import { handleConnection, type UpgradeContext } from './connection.ts'
import { emptyReplacedWsFragments } from './ws-receiver.ts'

/** Pongs a socket may miss before it is terminated. */
const MISSED_PONGS_MAX = 2
/** How often a slice of the sockets is pinged. */
const PING_TICK_MS = 100
/** On shutdown, sockets that have not finished the close handshake by then are terminated. */
const SHUTDOWN_GRACE_MS = 2_000

export type SocketServer = {
  /** Closes every socket with 1001 and stops accepting. */
  close(): Promise<void>
  count(): number
}

function refuseUpgrade(socket: Duplex, status: 403 | 404, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
  socket.destroy()
}

/**
 * `/ws` on the HTTP server's `upgrade` event with a bare `ws` server (no per-connection framework
 * overhead). Origin and site are checked before upgrading; credentials are checked in `hello`.
 */
export function attachSocketServer(deps: Deps, server: Server): SocketServer {
  emptyReplacedWsFragments()
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: SERVER_LIMITS.wsMaxPayload })
  const missed = new WeakMap<WebSocket, number>()
  // One listener for every socket (`this` is the socket), not a closure per socket.
  const onPong = function (this: WebSocket) {
    missed.set(this, 0)
  }

  async function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://kefu.invalid')
    if (url.pathname !== '/ws') return refuseUpgrade(socket, 404, 'Not Found')
    const origin = req.headers.origin
    const own = origin === undefined || isOwnOrigin(origin, deps.config.publicUrl, req.headers.host)
    const siteKey = url.searchParams.get('site')
    const ctx: UpgradeContext = { siteKey, sessionToken: null }
    if (siteKey !== null) {
      const site = await deps.store.getSite(siteKey)
      if (!site) return refuseUpgrade(socket, 404, 'Not Found')
      if (!own && !originAllowed(origin!, site.allowedOrigins)) return refuseUpgrade(socket, 403, 'Forbidden')
    } else {
      if (!own && !originAllowed(origin!, deps.config.consoleOrigins)) return refuseUpgrade(socket, 403, 'Forbidden')
      ctx.sessionToken = parseCookies(req.headers.cookie ?? '', SESSION_COOKIE)[SESSION_COOKIE] ?? null
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      missed.set(ws, 0)
      ws.on('pong', onPong)
      handleConnection(deps, ws, ctx)
    })
  }

  const onUpgradeEvent = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    onUpgrade(req, socket, head).catch((error: unknown) => {
      deps.logger.error({ err: error }, 'upgrade failed')
      socket.destroy()
    })
  }
  server.on('upgrade', onUpgradeEvent)

  // Each socket is pinged once per `serverPingMs`, a slice of them every PING_TICK_MS: pinging every socket in
  // one go (one write each) held the event loop for ~0.7 s with 10,000 sockets (bench/RESULTS.md).
  const tickMs = Math.min(PING_TICK_MS, deps.config.serverPingMs)
  const slices = Math.max(1, Math.round(deps.config.serverPingMs / tickMs))
  let round: Iterator<WebSocket> | null = null
  const pinger = setInterval(() => {
    round ??= wss.clients.values()
    for (let n = Math.ceil(wss.clients.size / slices); n > 0; n--) {
      const next = round.next()
      if (next.done) {
        round = null
        return
      }
      const ws = next.value
      const missedPongs = missed.get(ws) ?? 0
      if (missedPongs >= MISSED_PONGS_MAX) {
        ws.terminate()
        continue
      }
      missed.set(ws, missedPongs + 1)
      ws.ping()
    }
  }, tickMs)
  pinger.unref()

  return {
    count: () => wss.clients.size,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(pinger)
        server.off('upgrade', onUpgradeEvent)
        for (const ws of wss.clients) ws.close(CloseCode.GoingAway, 'server shutting down')
        const grace = setTimeout(() => {
          for (const ws of wss.clients) ws.terminate()
        }, SHUTDOWN_GRACE_MS)
        wss.close(() => {
          clearTimeout(grace)
          resolve()
        })
      }),
  }
}
