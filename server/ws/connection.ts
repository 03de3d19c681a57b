import { performance } from 'node:perf_hooks'
import type WebSocket from 'ws'
import {
  CloseCode,
  ErrorCode,
  LIMITS,
  parseClientFrame,
  PROTOCOL_VERSION,
  type ClientFrame,
  type ClientFrameOf,
  type Conversation,
  type ServerFrame,
} from '../../protocol/index.ts'
import { agentFromSession, visitorFromToken } from '../auth/sessions.ts'
import { broadcastConversation, broadcastMessage, refusal, roomsOf, viewConversation, type Viewer } from '../chat.ts'
import { SERVER_LIMITS } from '../config.ts'
import type { Deps } from '../deps.ts'
import { ConflictError, type AgentRecord, type VisitorRecord } from '../store/store.ts'
import { createRateLimiter } from '../rate-limit.ts'
import { room } from './hub.ts'

/** What the upgrade learned: the visitor's site (visitor sockets) or the session cookie (agent sockets). */
export type UpgradeContext = { siteKey: string | null; sessionToken: string | null }

type Identity =
  | { role: 'visitor'; visitor: VisitorRecord }
  | { role: 'agent'; agent: AgentRecord; sites: readonly string[] }

const viewerOf = (me: Identity): Viewer => (me.role === 'visitor' ? { role: 'visitor', visitorId: me.visitor.id } : me)

/** Refusal of one frame: answered with an `error` frame, the socket stays open. */
class FrameError extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message)
  }
}

/** Runs the protocol on one accepted socket: hello, replay, then frames until close. */
export function handleConnection(deps: Deps, ws: WebSocket, upgrade: UpgradeContext): void {
  const { hub, store, metrics, logger } = deps
  let identity: Identity | null = null
  let helloing: Promise<void> | null = null
  let badFrames = 0
  const sendLimiter = createRateLimiter(deps.config.rateLimits.sendsPerMinPerSocket)
  let closed = false

  const send = (frame: ServerFrame) => hub.send(ws, frame)
  const helloTimer = setTimeout(() => {
    if (!identity) ws.close(CloseCode.HelloTimeout, 'no hello in time')
  }, deps.config.helloTimeoutMs)

  const reject = (code: ErrorCode, message: string, id: string | null) => {
    metrics.framesRejected.inc({ code })
    send({ type: 'error', id, code, message })
    if (++badFrames >= SERVER_LIMITS.badFramesMax) ws.close(CloseCode.Abuse, 'too many bad frames')
  }
  const refuse = (code: ErrorCode, message: string) => {
    send({ type: 'error', id: null, code, message })
    ws.close(CloseCode.Unauthorized, message)
  }

  ws.on('error', (error) => logger.debug({ err: error.message }, 'socket error'))
  ws.on('close', () => {
    closed = true
    clearTimeout(helloTimer)
    hub.leaveAll(ws)
    if (identity) metrics.sockets.dec({ role: identity.role })
  })

  ws.on('message', (data, isBinary) => {
    const received = performance.now()
    const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)
    if (isBinary) return reject(ErrorCode.BadFrame, 'frames are JSON text', null)
    const parsed = parseClientFrame(buf.toString('utf8'), buf.byteLength)
    if (!parsed.ok) return reject(parsed.code, parsed.message, parsed.id)
    void dispatch(parsed.frame, received).catch((error: unknown) => {
      const id = 'id' in parsed.frame ? parsed.frame.id : null
      if (error instanceof FrameError) return reject(error.code, error.message, id)
      logger.error({ err: error }, 'frame handler failed')
      send({ type: 'error', id, code: ErrorCode.Internal, message: 'internal error' })
    })
  })

  async function dispatch(frame: ClientFrame, received: number): Promise<void> {
    if (frame.type === 'hello') {
      if (identity || helloing) throw new FrameError(ErrorCode.BadFrame, 'hello was already said')
      helloing = onHello(frame)
      return helloing
    }
    if (helloing) await helloing.catch(() => undefined)
    if (!identity || closed) throw new FrameError(ErrorCode.BadFrame, 'say hello first')
    const me = identity
    switch (frame.type) {
      case 'send':
        return onSend(me, frame, received)
      case 'typing':
        return onTyping(me, frame)
      case 'read':
        return onRead(me, frame)
      case 'ping':
        return send({ type: 'pong', id: frame.id })
      case 'rate':
        return onRate(me, frame)
      default: {
        const never: never = frame
        throw new FrameError(ErrorCode.UnknownType, `unhandled frame ${String(never)}`)
      }
    }
  }

  async function onHello(frame: ClientFrameOf<'hello'>): Promise<void> {
    if (frame.v !== PROTOCOL_VERSION) {
      send({ type: 'error', id: null, code: ErrorCode.BadRequest, message: `protocol v${frame.v} not supported (server speaks v${PROTOCOL_VERSION})` })
      ws.close(CloseCode.UnsupportedVersion, 'unsupported protocol version')
      return
    }
    let conversations: Conversation[]
    if (upgrade.siteKey !== null) {
      const visitor = frame.token ? await visitorFromToken(deps, frame.token) : null
      if (!visitor || visitor.site !== upgrade.siteKey) return refuse(ErrorCode.Unauthorized, 'a valid visitor token for this site is required')
      if (closed) return
      identity = { role: 'visitor', visitor }
      metrics.sockets.inc({ role: identity.role })
      hub.join(room.visitor(visitor.id), ws)
      conversations = await store.listVisitorConversations(visitor.id)
    } else {
      const token = frame.token ?? upgrade.sessionToken
      const auth = token ? await agentFromSession(deps, token) : null
      if (!auth) return refuse(ErrorCode.Unauthorized, 'agent login required')
      if (closed) return
      identity = { role: 'agent', agent: auth.agent, sites: auth.sites }
      metrics.sockets.inc({ role: identity.role })
      hub.join(room.session(auth.token), ws)
      for (const site of auth.sites) hub.join(room.site(site), ws)
      conversations = await store.listConversations({ sites: auth.sites, status: 'open', limit: SERVER_LIMITS.conversationListMax })
    }
    clearTimeout(helloTimer)
    const me = identity.role === 'visitor' ? identity.visitor.id : identity.agent.id
    send({ type: 'welcome', v: PROTOCOL_VERSION, role: identity.role, me, conversations })

    // Replay: every conversation named in `resume` that this socket may read; visitors also get their
    // other conversations from seq 0.
    const resume = frame.resume ?? {}
    const targets = new Map<string, number>()
    if (identity.role === 'visitor') {
      for (const c of conversations) targets.set(c.id, resume[c.id] ?? 0)
    } else {
      for (const [id, seq] of Object.entries(resume)) {
        const c = await store.getConversation(id)
        if (!refusal(viewerOf(identity), c)) targets.set(id, seq)
      }
    }
    for (const [conv, after] of targets) {
      const page = await store.listMessages(conv, { after, limit: LIMITS.replayMax })
      for (const message of page.messages) send({ type: 'message', message })
      send({ type: 'synced', conv, seq: page.messages.at(-1)?.seq ?? after, more: page.more })
    }
  }

  /** The conversation a frame names, if this socket may use it. */
  async function conversationFor(me: Identity, conv: string): Promise<Conversation> {
    const result = await viewConversation(deps, viewerOf(me), conv)
    if ('code' in result) throw new FrameError(result.code, result.message)
    return result
  }

  async function onSend(me: Identity, frame: ClientFrameOf<'send'>, received: number): Promise<void> {
    const now = deps.clock.now()
    if (me.role === 'visitor' && !sendLimiter.take('send', now)) {
      throw new FrameError(ErrorCode.RateLimited, 'sending too fast; slow down')
    }
    let conversation: Conversation
    if (frame.conv !== undefined) {
      conversation = await conversationFor(me, frame.conv)
      if (me.role === 'visitor' && conversation.status === 'resolved') {
        // A visitor writing into a resolved conversation reopens it, unless another one is open already.
        try {
          conversation = await store.setConversationStatus(conversation.id, 'open', now)
          // A new question after a resolve goes to the bot first again (when the site has one).
          const holder = deps.bot?.holderFor(conversation.site) ?? 'human'
          if (holder !== conversation.holder) conversation = (await store.updateConversation(conversation.id, { holder }, now)).conversation
          broadcastConversation(deps, conversation)
        } catch (error) {
          if (!(error instanceof ConflictError)) throw error
        }
      }
    } else {
      if (me.role !== 'visitor') throw new FrameError(ErrorCode.BadFrame, 'agents must name the conversation')
      // A resend whose first attempt was stored: ack it where it is, even if that conversation has been
      // resolved since, rather than opening an empty new one.
      const stored = await store.getMessageByCid(me.visitor.id, frame.cid)
      if (stored) return send({ type: 'ack', id: frame.id, cid: frame.cid, conv: stored.conv, msgId: stored.id, seq: stored.seq, ts: stored.ts })
      const open = await store.getOrCreateOpenConversation(me.visitor.id, now, deps.bot?.holderFor(me.visitor.site) ?? 'human')
      conversation = open.conversation
      if (open.created) broadcastConversation(deps, conversation)
    }
    if (me.role === 'agent' && conversation.holder === 'bot') {
      // An agent who replies takes the conversation over: the bot stops answering it.
      const taken = await store.updateConversation(conversation.id, { holder: 'human' }, now)
      conversation = taken.conversation
      if (taken.changed) broadcastConversation(deps, conversation)
    }
    const sender = me.role === 'visitor'
      ? { sender: 'visitor' as const, senderId: me.visitor.id, senderName: me.visitor.name }
      : { sender: 'agent' as const, senderId: me.agent.id, senderName: me.agent.name }
    const result = await store.append({ conv: conversation.id, ...sender, cid: frame.cid, text: frame.text, ts: now })
    const { message } = result
    send({ type: 'ack', id: frame.id, cid: frame.cid, conv: message.conv, msgId: message.id, seq: message.seq, ts: message.ts })
    metrics.ackLatency.observe((performance.now() - received) / 1000)
    if (result.duplicate) return
    metrics.messagesStored.inc()
    broadcastMessage(deps, message, result.conversation)
    if (me.role === 'visitor') deps.bot?.onVisitorMessage(message, result.conversation)
  }

  async function onRate(me: Identity, frame: ClientFrameOf<'rate'>): Promise<void> {
    if (me.role !== 'visitor') throw new FrameError(ErrorCode.Forbidden, 'only the visitor rates a conversation')
    const conversation = await conversationFor(me, frame.conv)
    const result = await store.updateConversation(conversation.id, { rating: frame.score }, deps.clock.now())
    if (result.changed) broadcastConversation(deps, result.conversation)
  }

  async function onTyping(me: Identity, frame: ClientFrameOf<'typing'>): Promise<void> {
    let conversation: Conversation | undefined
    if (frame.conv !== undefined) conversation = await conversationFor(me, frame.conv)
    else if (me.role === 'visitor') conversation = (await store.listVisitorConversations(me.visitor.id)).find((c) => c.status === 'open')
    else throw new FrameError(ErrorCode.BadFrame, 'agents must name the conversation')
    if (!conversation) return // nothing to type into yet; typing is ephemeral
    const [visitorRoom, siteRoom] = roomsOf(conversation) as [string, string]
    hub.broadcast(
      [me.role === 'visitor' ? siteRoom : visitorRoom],
      { type: 'typing', conv: conversation.id, side: me.role, on: frame.on, name: me.role === 'visitor' ? me.visitor.name : me.agent.name },
      { ephemeral: true },
    )
  }

  async function onRead(me: Identity, frame: ClientFrameOf<'read'>): Promise<void> {
    const conversation = await conversationFor(me, frame.conv)
    const result = await store.setReadCursor(conversation.id, me.role, frame.seq, deps.clock.now())
    if (!result.changed) return
    const seq = me.role === 'visitor' ? result.conversation.visitorReadSeq : result.conversation.agentReadSeq
    hub.broadcast(roomsOf(result.conversation), { type: 'read', conv: conversation.id, side: me.role, seq })
  }
}
