import * as v from 'valibot'
import { LIMITS } from './limits.ts'

export const Side = { Visitor: 'visitor', Agent: 'agent' } as const
export type Side = (typeof Side)[keyof typeof Side]
const SideSchema = v.picklist([Side.Visitor, Side.Agent])

/**
 * Who wrote a message: `bot` is the site's assistant (server/bot), `system` the server itself (for example
 * "handed off to a person").
 */
export const SenderSchema = v.picklist(['visitor', 'agent', 'bot', 'system'])
export type Sender = v.InferOutput<typeof SenderSchema>

export const ConversationStatus = { Open: 'open', Resolved: 'resolved' } as const
export const ConversationStatusSchema = v.picklist([ConversationStatus.Open, ConversationStatus.Resolved])
export type ConversationStatus = v.InferOutput<typeof ConversationStatusSchema>

/** Who answers the visitor now: the bot, or a person (the bot never answers once a human holds it). */
export const Holder = { Bot: 'bot', Human: 'human' } as const
export const HolderSchema = v.picklist([Holder.Bot, Holder.Human])
export type Holder = v.InferOutput<typeof HolderSchema>

const Id = v.pipe(v.string(), v.minLength(1), v.maxLength(64))
const Seq = v.pipe(v.number(), v.integer(), v.minValue(0))
const Time = v.number()

export const MessageSchema = v.object({
  id: Id,
  conv: Id,
  seq: Seq,
  cid: v.string(),
  sender: SenderSchema,
  senderId: v.string(),
  senderName: v.nullable(v.string()),
  text: v.string(),
  /** Server time of commit, ms since epoch. */
  ts: Time,
})
export type Message = v.InferOutput<typeof MessageSchema>

export const ConversationSchema = v.object({
  id: Id,
  site: v.string(),
  visitorId: Id,
  visitorName: v.nullable(v.string()),
  status: ConversationStatusSchema,
  lastSeq: Seq,
  /** Read cursors: the highest seq each side has seen. Unread counts derive from them. */
  visitorReadSeq: Seq,
  agentReadSeq: Seq,
  lastMessage: v.nullable(v.object({ text: v.string(), sender: SenderSchema, ts: Time })),
  holder: HolderSchema,
  /** The latest hand-off from bot to a person: why and when; null if the bot never handed off. */
  handoff: v.nullable(v.object({ reason: v.string(), at: Time })),
  /** Labels and team set by the bot's rules (or agents). */
  labels: v.array(v.string()),
  team: v.nullable(v.string()),
  /** The bot script variant this conversation runs (A/B tests); null without a bot. */
  variant: v.nullable(v.string()),
  /** The visitor's rating of the conversation, 1 to 5, or null. */
  rating: v.nullable(v.number()),
  createdAt: Time,
  updatedAt: Time,
})
export type Conversation = v.InferOutput<typeof ConversationSchema>

export const AttributeValueSchema = v.union([
  v.pipe(v.string(), v.maxLength(LIMITS.attributeValueMax)),
  v.number(),
  v.boolean(),
])
export const AttributesSchema = v.pipe(
  v.record(v.pipe(v.string(), v.minLength(1), v.maxLength(LIMITS.attributeKeyMax)), AttributeValueSchema),
  v.check((r) => Object.keys(r).length <= LIMITS.attributesMax, `at most ${LIMITS.attributesMax} attributes`),
)
export type Attributes = v.InferOutput<typeof AttributesSchema>

export const VisitorSchema = v.object({
  id: Id,
  site: v.string(),
  /** The site's own user id once identified, else null (anonymous). */
  userId: v.nullable(v.string()),
  name: v.nullable(v.string()),
  email: v.nullable(v.string()),
  attributes: AttributesSchema,
})
export type Visitor = v.InferOutput<typeof VisitorSchema>

export const AgentSchema = v.object({
  id: Id,
  email: v.string(),
  name: v.string(),
  role: v.picklist(['admin', 'agent']),
})
export type Agent = v.InferOutput<typeof AgentSchema>

export const SiteSchema = v.object({
  key: v.string(),
  name: v.string(),
  /** Launcher and header colour, CSS hex. */
  color: v.string(),
  greeting: v.nullable(v.string()),
})
export type Site = v.InferOutput<typeof SiteSchema>

const EntitySchema = v.object({ type: v.string(), value: v.string(), text: v.string(), start: v.number(), end: v.number() })
const IntentScoreSchema = v.object({ intent: v.string(), confidence: v.number() })

/**
 * What the bot made of one visitor message and what it did: agents only (visitors never see it). Stored
 * with the message, so agents and reports can see why the bot did what it did.
 */
export const BotTurnSchema = v.object({
  conv: Id,
  /** The visitor message this turn answered. */
  msgId: v.string(),
  seq: Seq,
  intent: v.nullable(IntentScoreSchema),
  ranking: v.array(IntentScoreSchema),
  entities: v.array(EntitySchema),
  sentiment: v.nullable(v.object({ score: v.number(), label: v.string(), matches: v.array(v.string()) })),
  /** What a site's own processors found, by processor name. */
  extra: v.optional(v.record(v.string(), v.unknown()), {}),
  /** Script content hash and variant that answered. */
  version: v.string(),
  variant: v.string(),
  /** Names of the rules that fired, and a short line per action carried out (for example `reply`, `action order-status`). */
  rules: v.array(v.string()),
  actions: v.array(v.string()),
  /** Set when this turn handed the conversation to a person. */
  handoff: v.nullable(v.string()),
  /** A processor or action that failed (the bot then hands off). */
  error: v.nullable(v.string()),
  ts: Time,
})
export type BotTurn = v.InferOutput<typeof BotTurnSchema>

export { SideSchema }
