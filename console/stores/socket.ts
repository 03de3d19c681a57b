import { atom } from 'nanostores'
import { PROTOCOL_VERSION, parseServerFrame, type ClientFrame, type ServerFrame } from '../../protocol/index.ts'
import { createConnection, type Connection, type ConnectionState } from '../../widget/connection.ts'

/**
 * The console's one WebSocket, through the shared client state machine in widget/connection.ts. The
 * session cookie authenticates the upgrade, so `hello` carries no token and no resume: after a
 * reconnect the console catches up over REST (`?after=`) for the conversations it shows.
 */
export type SocketHandlers = {
  onFrame: (frame: ServerFrame) => void
  onReady: () => void
  onUnauthorized: () => void
}

/** `idle` before the workspace starts the socket (and after sign-out). */
export const $socketState = atom<ConnectionState | 'idle'>('idle')
/** Whether this session has been connected at least once: "Connecting…" versus "Reconnecting…". */
export const $everConnected = atom(false)

let conn: Connection | null = null
let unbind: (() => void) | null = null

/** Frames go through this; tests swap it for a recorder. */
let transport: (frame: ClientFrame) => boolean = (frame) => conn?.send(frame) ?? false

export function socketUrl(loc: Pick<Location, 'protocol' | 'host'> = location): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws`
}

export function openSocket(handlers: SocketHandlers): void {
  if (conn) return
  conn = createConnection({
    url: () => socketUrl(),
    hello: () => ({ type: 'hello', v: PROTOCOL_VERSION }),
    parse: parseServerFrame,
    onFrame: handlers.onFrame,
    onReady: () => {
      $everConnected.set(true)
      handlers.onReady()
    },
    onUnauthorized: handlers.onUnauthorized,
  })
  unbind = conn.$state.subscribe((state) => $socketState.set(state))
  conn.start()
}

export function closeSocket(): void {
  conn?.stop()
  unbind?.()
  conn = null
  unbind = null
  $socketState.set('idle')
  $everConnected.set(false)
}

/** Sends when connected; false means "not now" and the caller keeps what it must resend. */
export function sendFrame(frame: ClientFrame): boolean {
  return transport(frame)
}

/** A tab came back or the network returned: verify the socket now instead of waiting for a timer. */
export function checkSocket(): void {
  conn?.check()
}

/** Test hook: route outgoing frames somewhere else. Returns a restore function. */
export function setTransport(fn: (frame: ClientFrame) => boolean): () => void {
  const prev = transport
  transport = fn
  return () => {
    transport = prev
  }
}
