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
import { ConflictError, NotFoundError, type AgentRecord, type AppendInput, type AppendResult, type VisitorRecord } from '../store/store.ts'
import { fullBucket, takeToken, type Bucket } from '../rate-limit.ts'
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

/**
 * One socket's state. The frame handlers below are module functions over it rather than closures made per
 * socket: under tsx every named inner function also gets a `name` property dictionary (256 B), and idle
 * sockets are what a server holds most of (bench/RESULTS.md).
 */
type Conn = {
  deps: Deps
  ws: WebSocket
  upgrade: UpgradeContext
  identity: Identity | null
  helloSaid: boolean
  /** Set while `hello` is being checked; later frames wait for it. */
  helloing: Promise<void> | null
  helloTimer: NodeJS.Timeout | null
  badFrames: number
  /**
   * The socket's send tokens, made on its first send (most sockets never send). A bucket, not a
   * `createRateLimiter` (a Map and closures: 730 B per socket that has sent, under tsx).
   */
  sendTokens: Bucket | null
  closed: boolean
}

/** Runs the protocol on one accepted socket: hello, replay, then frames until close. */
export function handleConnection(deps: Deps, ws: WebSocket, upgrade: UpgradeContext): void {
  const c: Conn = { deps, ws, upgrade, identity: null, helloSaid: false, helloing: null, helloTimer: null, badFrames: 0, sendTokens: null, closed: false }
  c.helloTimer = setTimeout(onHelloTimeout, deps.config.helloTimeoutMs, c)
  ws.on('error', (error) => deps.logger.debug({ err: error.message }, 'socket error'))
  ws.on('close', () => onClose(c))
  ws.on('message', (data, isBinary) => onMessage(c, data, isBinary))
}

const send = (c: Conn, frame: ServerFrame) => c.deps.hub.send(c.ws, frame)

function onHelloTimeout(c: Conn): void {
  c.helloTimer = null
  if (!c.identity) c.ws.close(CloseCode.HelloTimeout, 'no hello in time')
}

function clearHelloTimer(c: Conn): void {
  if (c.helloTimer) clearTimeout(c.helloTimer)
  c.helloTimer = null
}

function onClose(c: Conn): void {
  c.closed = true
  clearHelloTimer(c)
  c.deps.hub.leaveAll(c.ws)
  if (c.identity) c.deps.metrics.sockets.dec({ role: c.identity.role })
}

function reject(c: Conn, code: ErrorCode, message: string, id: string | null): void {
  c.deps.metrics.framesRejected.inc({ code })
  send(c, { type: 'error', id, code, message })
  if (++c.badFrames >= SERVER_LIMITS.badFramesMax) c.ws.close(CloseCode.Abuse, 'too many bad frames')
}

function refuse(c: Conn, code: ErrorCode, message: string): void {
  send(c, { type: 'error', id: null, code, message })
  c.ws.close(CloseCode.Unauthorized, message)
}

function onMessage(c: Conn, data: WebSocket.RawData, isBinary: boolean): void {
  const received = performance.now()
  const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)
  if (isBinary) return reject(c, ErrorCode.BadFrame, 'frames are JSON text', null)
  const parsed = parseClientFrame(buf.toString('utf8'), buf.byteLength)
  if (!parsed.ok) return reject(c, parsed.code, parsed.message, parsed.id)
  void dispatch(c, parsed.frame, received).catch((error: unknown) => {
    const id = 'id' in parsed.frame ? parsed.frame.id : null
    if (error instanceof FrameError) return reject(c, error.code, error.message, id)
    c.deps.logger.error({ err: error }, 'frame handler failed')
    send(c, { type: 'error', id, code: ErrorCode.Internal, message: 'internal error' })
  })
}

async function dispatch(c: Conn, frame: ClientFrame, received: number): Promise<void> {
  if (frame.type === 'hello') {
    if (c.helloSaid) throw new FrameError(ErrorCode.BadFrame, 'hello was already said')
    c.helloSaid = true
    const helloing = onHello(c, frame)
    c.helloing = helloing
    return helloing.finally(() => {
      if (c.helloing === helloing) c.helloing = null
    })
  }
  if (c.helloing) await c.helloing.catch(() => undefined)
  if (!c.identity || c.closed) throw new FrameError(ErrorCode.BadFrame, 'say hello first')
  const me = c.identity
  switch (frame.type) {
    case 'send':
      return onSend(c, me, frame, received)
    case 'typing':
      return onTyping(c, me, frame)
    case 'read':
      return onRead(c, me, frame)
    case 'ping':
      return send(c, { type: 'pong', id: frame.id })
    case 'rate':
      return onRate(c, me, frame)
    default: {
      const never: never = frame
      throw new FrameError(ErrorCode.UnknownType, `unhandled frame ${String(never)}`)
    }
  }
}

async function onHello(c: Conn, frame: ClientFrameOf<'hello'>): Promise<void> {
  const { deps, ws, upgrade } = c
  const { hub, store, metrics } = deps
  if (frame.v !== PROTOCOL_VERSION) {
    send(c, { type: 'error', id: null, code: ErrorCode.BadRequest, message: `protocol v${frame.v} not supported (server speaks v${PROTOCOL_VERSION})` })
    ws.close(CloseCode.UnsupportedVersion, 'unsupported protocol version')
    return
  }
  let conversations: Conversation[]
  let identity: Identity
  if (upgrade.siteKey !== null) {
    const visitor = frame.token ? await visitorFromToken(deps, frame.token) : null
    if (!visitor || visitor.site !== upgrade.siteKey) return refuse(c, ErrorCode.Unauthorized, 'a valid visitor token for this site is required')
    if (c.closed) return
    identity = c.identity = { role: 'visitor', visitor }
    metrics.sockets.inc({ role: identity.role })
    hub.join(room.visitor(visitor.id), ws)
    conversations = await store.listVisitorConversations(visitor.id)
  } else {
    const token = frame.token ?? upgrade.sessionToken
    const auth = token ? await agentFromSession(deps, token) : null
    if (!auth) return refuse(c, ErrorCode.Unauthorized, 'agent login required')
    if (c.closed) return
    identity = c.identity = { role: 'agent', agent: auth.agent, sites: auth.sites }
    metrics.sockets.inc({ role: identity.role })
    hub.join(room.session(auth.token), ws)
    for (const site of auth.sites) hub.join(room.site(site), ws)
    conversations = await store.listConversations({ sites: auth.sites, status: 'open', limit: SERVER_LIMITS.conversationListMax })
  }
  clearHelloTimer(c)
  const me = identity.role === 'visitor' ? identity.visitor.id : identity.agent.id
  send(c, { type: 'welcome', v: PROTOCOL_VERSION, role: identity.role, me, conversations })

  // Replay: every conversation named in `resume` that this socket may read; visitors also get their
  // other conversations from seq 0.
  const resume = frame.resume ?? {}
  const targets = new Map<string, number>()
  if (identity.role === 'visitor') {
    for (const conv of conversations) targets.set(conv.id, resume[conv.id] ?? 0)
  } else {
    for (const [id, seq] of Object.entries(resume)) {
      const conv = await store.getConversation(id)
      if (!refusal(viewerOf(identity), conv)) targets.set(id, seq)
    }
  }
  for (const [conv, after] of targets) {
    const page = await store.listMessages(conv, { after, limit: LIMITS.replayMax })
    for (const message of page.messages) send(c, { type: 'message', message })
    send(c, { type: 'synced', conv, seq: page.messages.at(-1)?.seq ?? after, more: page.more })
  }
}

/** The conversation a frame names, if this socket may use it. */
async function conversationFor(c: Conn, me: Identity, conv: string): Promise<Conversation> {
  const result = await viewConversation(c.deps, viewerOf(me), conv)
  if ('code' in result) throw new FrameError(result.code, result.message)
  return result
}

async function onSend(c: Conn, me: Identity, frame: ClientFrameOf<'send'>, received: number): Promise<void> {
  const { deps } = c
  const { store, metrics } = deps
  const now = deps.clock.now()
  const perMinute = deps.config.rateLimits.sendsPerMinPerSocket
  if (me.role === 'visitor' && perMinute > 0 && !takeToken((c.sendTokens ??= fullBucket(perMinute, now)), perMinute, now)) {
    throw new FrameError(ErrorCode.RateLimited, 'sending too fast; slow down')
  }
  // The common sends read nothing first: a visitor writing into their open conversation, an agent replying in a
  // conversation of their sites that no bot holds. The store checks that inside the commit; where it does not
  // hold, nothing is written and the long way below sorts it out.
  const direct =
    me.role === 'visitor' && frame.conv === undefined ? store.append(appendInput(me, frame, now, null))
    : me.role === 'agent' && frame.conv !== undefined ? store.append(appendInput(me, frame, now, frame.conv, me.sites))
    : null
  const result = (await direct?.catch(notStored)) ?? (await appendTheLongWay(c, me, frame, now))
  const { message } = result
  send(c, { type: 'ack', id: frame.id, cid: frame.cid, conv: message.conv, msgId: message.id, seq: message.seq, ts: message.ts })
  metrics.ackLatency.observe((performance.now() - received) / 1000)
  if (result.duplicate) return
  metrics.messagesStored.inc()
  broadcastMessage(deps, message, result.conversation, c.ws)
  if (me.role === 'visitor') deps.bot?.onVisitorMessage(message, result.conversation)
}

/**
 * What a send appends, built whole in one literal. Not `{ ...input, conv }`: in Node 20's V8 an object spread
 * followed by another property gives every object a hidden class of its own, garbage only a mark-compact
 * frees (at 5,000 messages/s, 3 MB/s promoted to the old generation with the spread, 0.9 MB/s without).
 * `ifSiteIn`: an agent's reply that must go into a conversation of these sites that no bot holds.
 */
function appendInput(me: Identity, frame: ClientFrameOf<'send'>, ts: number, conv: string | null, ifSiteIn?: readonly string[]): AppendInput {
  const visitor = me.role === 'visitor'
  return {
    conv,
    sender: me.role,
    senderId: visitor ? me.visitor.id : me.agent.id,
    senderName: visitor ? me.visitor.name : me.agent.name,
    cid: frame.cid,
    text: frame.text,
    ts,
    ifSiteIn,
    ifHolderNot: ifSiteIn ? 'bot' : undefined,
  }
}

/** A refused append (no such conversation, a condition not met) stored nothing: null, to try the long way. */
const notStored = (error: unknown): null => {
  if (error instanceof ConflictError || error instanceof NotFoundError) return null
  throw error
}

/** Finds (or opens, or reopens, or takes over) the conversation a send goes to, then appends to it. */
async function appendTheLongWay(
  c: Conn, me: Identity, frame: ClientFrameOf<'send'>, now: number,
): Promise<AppendResult> {
  const { deps } = c
  const { store } = deps
  let conversation: Conversation
  if (frame.conv !== undefined) {
    conversation = await conversationFor(c, me, frame.conv)
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
    // The visitor has no open conversation (and this is no resend of a stored message: the first try would
    // have found it wherever it is, even in a conversation resolved since): open one.
    const created = await store.getOrCreateOpenConversation(me.visitor.id, now, deps.bot?.holderFor(me.visitor.site) ?? 'human')
    conversation = created.conversation
    if (created.created) broadcastConversation(deps, conversation)
  }
  if (me.role === 'agent' && conversation.holder === 'bot') {
    // An agent who replies takes the conversation over: the bot stops answering it.
    const taken = await store.updateConversation(conversation.id, { holder: 'human' }, now)
    conversation = taken.conversation
    if (taken.changed) broadcastConversation(deps, conversation)
  }
  return store.append(appendInput(me, frame, now, conversation.id))
}

async function onRate(c: Conn, me: Identity, frame: ClientFrameOf<'rate'>): Promise<void> {
  if (me.role !== 'visitor') throw new FrameError(ErrorCode.Forbidden, 'only the visitor rates a conversation')
  const conversation = await conversationFor(c, me, frame.conv)
  const result = await c.deps.store.updateConversation(conversation.id, { rating: frame.score }, c.deps.clock.now())
  if (result.changed) broadcastConversation(c.deps, result.conversation)
}

async function onTyping(c: Conn, me: Identity, frame: ClientFrameOf<'typing'>): Promise<void> {
  const { store, hub } = c.deps
  let conversation: Conversation | undefined
  if (frame.conv !== undefined) conversation = await conversationFor(c, me, frame.conv)
  else if (me.role === 'visitor') conversation = (await store.listVisitorConversations(me.visitor.id)).find((conv) => conv.status === 'open')
  else throw new FrameError(ErrorCode.BadFrame, 'agents must name the conversation')
  if (!conversation) return // nothing to type into yet; typing is ephemeral
  const [visitorRoom, siteRoom] = roomsOf(conversation) as [string, string]
  hub.broadcast(
    [me.role === 'visitor' ? siteRoom : visitorRoom],
    { type: 'typing', conv: conversation.id, side: me.role, on: frame.on, name: me.role === 'visitor' ? me.visitor.name : me.agent.name },
    { ephemeral: true },
  )
}

async function onRead(c: Conn, me: Identity, frame: ClientFrameOf<'read'>): Promise<void> {
  const conversation = await conversationFor(c, me, frame.conv)
  const result = await c.deps.store.setReadCursor(conversation.id, me.role, frame.seq, c.deps.clock.now())
  if (!result.changed) return
  const seq = me.role === 'visitor' ? result.conversation.visitorReadSeq : result.conversation.agentReadSeq
  c.deps.hub.broadcast(roomsOf(result.conversation), { type: 'read', conv: conversation.id, side: me.role, seq })
}
