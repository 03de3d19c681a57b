import * as v from 'valibot'
import { ErrorCode } from './codes.ts'
import { LIMITS, PROTOCOL_VERSION } from './limits.ts'
import { BotTurnSchema, ConversationSchema, MessageSchema, SideSchema } from './models.ts'

const RequestId = v.pipe(v.string(), v.minLength(1), v.maxLength(LIMITS.requestIdMax))
const ConvId = v.pipe(v.string(), v.minLength(1), v.maxLength(64))
const Seq = v.pipe(v.number(), v.integer(), v.minValue(0))

/** Client → server frames. */
export const ClientFrameSchema = v.variant('type', [
  /** First frame on every socket. Visitors pass their token; agents may rely on the session cookie. */
  v.object({
    type: v.literal('hello'),
    v: v.number(),
    token: v.optional(v.pipe(v.string(), v.maxLength(4096))),
    /** Last seq the client holds per conversation; the server replays what is newer. */
    resume: v.optional(
      v.pipe(
        v.record(ConvId, Seq),
        v.check((r) => Object.keys(r).length <= 100, 'at most 100 conversations'),
      ),
    ),
  }),
  /** A new message. Visitors may omit `conv`: the server uses (or creates) their open conversation. */
  v.object({
    type: v.literal('send'),
    id: RequestId,
    conv: v.optional(ConvId),
    cid: v.pipe(v.string(), v.minLength(1), v.maxLength(LIMITS.cidMax)),
    text: v.pipe(v.string(), v.trim(), v.minLength(1, 'empty message'), v.maxLength(LIMITS.textMax, 'text too long')),
  }),
  v.object({ type: v.literal('typing'), conv: v.optional(ConvId), on: v.boolean() }),
  /** Moves the sender's read cursor forward (never back). */
  v.object({ type: v.literal('read'), conv: ConvId, seq: Seq }),
  v.object({ type: v.literal('ping'), id: RequestId }),
  /** Visitor only: rate the conversation 1 to 5 (a later rating replaces an earlier one). */
  v.object({ type: v.literal('rate'), conv: ConvId, score: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(5)) }),
])
export type ClientFrame = v.InferOutput<typeof ClientFrameSchema>

const ErrorCodeSchema = v.picklist(Object.values(ErrorCode))

/** Server → client frames that visitors receive (the widget parses only these, to stay small). */
const visitorFrames = [
  v.object({
    type: v.literal('welcome'),
    v: v.number(),
    role: SideSchema,
    /** The visitor's or agent's id. */
    me: v.string(),
    /** Visitor: all their conversations. Agent: open conversations of their sites. */
    conversations: v.array(ConversationSchema),
  }),
  /** Sent only after the message is committed. A resend of the same cid gets the same ack. */
  v.object({
    type: v.literal('ack'),
    id: RequestId,
    cid: v.string(),
    conv: ConvId,
    msgId: v.string(),
    seq: Seq,
    ts: v.number(),
  }),
  v.object({ type: v.literal('message'), message: MessageSchema }),
  /** Replay for `conv` is complete up to `seq`; `more` means page the rest over REST. */
  v.object({ type: v.literal('synced'), conv: ConvId, seq: Seq, more: v.boolean() }),
  /** A conversation was created or changed (status, read cursors, last message). */
  v.object({ type: v.literal('conversation'), conversation: ConversationSchema }),
  v.object({ type: v.literal('typing'), conv: ConvId, side: SideSchema, on: v.boolean(), name: v.nullable(v.string()) }),
  v.object({ type: v.literal('read'), conv: ConvId, side: SideSchema, seq: Seq }),
  v.object({ type: v.literal('pong'), id: RequestId }),
  v.object({ type: v.literal('error'), id: v.nullable(v.string()), code: ErrorCodeSchema, message: v.string() }),
] as const
export const VisitorServerFrameSchema = v.variant('type', visitorFrames)
export type VisitorServerFrame = v.InferOutput<typeof VisitorServerFrameSchema>

/** Server → client frames: the visitors' ones plus those only agents receive. */
export const ServerFrameSchema = v.variant('type', [
  ...visitorFrames,
  /** Agents only: what the bot made of a visitor message and what it did. */
  v.object({ type: v.literal('bot'), turn: BotTurnSchema }),
  /** Agents only: the bot handed a conversation to a person (notify); the `conversation` frame carries the state. */
  v.object({ type: v.literal('handoff'), conv: ConvId, reason: v.string(), at: v.number() }),
])
export type ServerFrame = v.InferOutput<typeof ServerFrameSchema>
export type ServerFrameOf<T extends ServerFrame['type']> = Extract<ServerFrame, { type: T }>
export type ClientFrameOf<T extends ClientFrame['type']> = Extract<ClientFrame, { type: T }>

export { PROTOCOL_VERSION }
