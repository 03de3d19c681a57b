import { atom, type ReadableAtom } from 'nanostores'
import {
  CloseCode,
  FINAL_CLOSE_CODES,
  TIMING,
  type ClientFrame,
  type ClientFrameOf,
} from '../protocol/index.ts'

/**
 * The one WebSocket client of Kefu, shared by the widget's chat app and the console: an explicit state
 * machine with full-jitter backoff, an application ping to notice half-open sockets, and `check()` for
 * when a tab or app comes back (visibilitychange, pageshow, online).
 */
export type ConnectionState = 'disconnected' | 'connecting' | 'connected'

/** Why the connection is (or went) where it is; `final` reasons stop reconnecting until `start()`. */
export type ConnectionReason = 'start' | 'stop' | 'closed' | 'timeout' | 'unauthorized' | 'unsupported' | 'resume'

/** `F`: the frames this side parses (the widget: visitor frames only; the console: all). */
export type ConnectionOptions<F extends { type: string }> = {
  url: () => string
  /** Built anew for every attempt, so it carries the current token and resume cursors. */
  hello: () => ClientFrameOf<'hello'>
  /** `parseVisitorFrame` or `parseServerFrame` from protocol/: passed in so the widget does not bundle agent-only schemas. */
  parse: (text: string) => F | null
  onFrame: (frame: F) => void
  /** Called after `welcome`; flush outboxes here. */
  onReady?: () => void
  /** Called when the server refuses the credentials (close 4001). */
  onUnauthorized?: () => void
  WebSocket?: typeof WebSocket
  random?: () => number
  /** Overrides for tests. */
  timing?: Partial<Record<'clientPingMs' | 'clientPongTimeoutMs' | 'helloTimeoutMs', number>>
}

export type Connection = {
  $state: ReadableAtom<ConnectionState>
  start(): void
  stop(): void
  /** Sends when connected; returns false otherwise (the caller keeps it in its outbox). */
  send(frame: ClientFrame): boolean
  /** Verifies the socket now: pings it if it looks open, connects at once if it is waiting to retry. */
  check(): void
}

export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const cap = Math.min(TIMING.backoffMaxMs, TIMING.backoffBaseMs * 2 ** attempt)
  return Math.floor(random() * cap)
}

export function createConnection<F extends { type: string }>(opts: ConnectionOptions<F>): Connection {
  const WS = opts.WebSocket ?? WebSocket
  const timing = { ...TIMING, ...opts.timing }
  const $state = atom<ConnectionState>('disconnected')
  let ws: WebSocket | null = null
  let running = false
  let attempt = 0
  let connectedAt = 0
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  let pingTimer: ReturnType<typeof setInterval> | undefined
  /** One deadline at a time: for `welcome` after connecting, or for `pong` after a ping. */
  let deadline: ReturnType<typeof setTimeout> | undefined
  let pingSeq = 0

  function clearTimers(): void {
    clearTimeout(retryTimer)
    clearInterval(pingTimer)
    clearTimeout(deadline)
    retryTimer = pingTimer = deadline = undefined
  }

  function connect(): void {
    clearTimers()
    $state.set('connecting')
    let socket: WebSocket
    try {
      socket = new WS(opts.url())
    } catch {
      scheduleRetry()
      return
    }
    ws = socket
    deadline = setTimeout(replace, timing.helloTimeoutMs)
    socket.onopen = () => socket.send(JSON.stringify(opts.hello()))
    socket.onmessage = (event) => {
      if (ws !== socket || typeof event.data !== 'string') return
      const frame = opts.parse(event.data)
      if (!frame) return
      if (frame.type === 'pong') {
        clearTimeout(deadline)
        deadline = undefined
        return
      }
      if (frame.type === 'welcome') {
        clearTimeout(deadline)
        deadline = undefined
        connectedAt = Date.now()
        $state.set('connected')
        pingTimer = setInterval(ping, timing.clientPingMs)
        opts.onFrame(frame)
        opts.onReady?.()
        return
      }
      opts.onFrame(frame)
    }
    socket.onclose = (event) => {
      if (ws !== socket) return
      ws = null
      clearTimers()
      if (!running) return $state.set('disconnected')
      if (event.code === CloseCode.Unauthorized) {
        running = false
        $state.set('disconnected')
        opts.onUnauthorized?.()
        return
      }
      if (FINAL_CLOSE_CODES.includes(event.code)) {
        running = false
        return $state.set('disconnected')
      }
      // Backoff grows only for connections that did not stay up: a flapping server is not hammered.
      if (connectedAt && Date.now() - connectedAt >= TIMING.backoffResetAfterMs) attempt = 0
      connectedAt = 0
      scheduleRetry()
    }
    socket.onerror = () => {
      /* onclose follows and decides */
    }
  }

  function scheduleRetry(): void {
    $state.set('disconnected')
    retryTimer = setTimeout(connect, backoffDelay(attempt++, opts.random))
  }

  function drop(): void {
    const socket = ws
    if (!socket) return
    socket.onopen = socket.onmessage = socket.onerror = null
    ws = null
    try {
      socket.close()
    } catch {
      /* already closing */
    }
    socket.onclose = null
  }

  /** A socket that only looks open (sleeping laptop, mobile radio off) never answers: replace it. */
  function replace(): void {
    deadline = undefined
    drop()
    clearTimers()
    connectedAt = 0
    if (running) scheduleRetry()
  }

  function ping(): void {
    if (!ws || $state.get() !== 'connected' || deadline) return
    ws.send(JSON.stringify({ type: 'ping', id: `p${++pingSeq}` }))
    deadline = setTimeout(replace, timing.clientPongTimeoutMs)
  }

  return {
    $state,
    start() {
      if (running) return
      running = true
      attempt = 0
      connect()
    },
    stop() {
      running = false
      clearTimers()
      drop()
      $state.set('disconnected')
    },
    send(frame) {
      if (!ws || $state.get() !== 'connected') return false
      ws.send(JSON.stringify(frame))
      return true
    },
    check() {
      if (!running) return
      if ($state.get() === 'connected') return ping()
      if (retryTimer) {
        attempt = 0
        connect()
      }
    },
  }
}
