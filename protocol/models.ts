import * as v from 'valibot'
import { LIMITS } from './limits.ts'

export const Side = { Visitor: 'visitor', Agent: 'agent' } as const
export type Side = (typeof Side)[keyof typeof Side]
const SideSchema = v.picklist([Side.Visitor, Side.Agent])

/** Who wrote a message; `system` is the server itself (for example "conversation resolved"). */
export const SenderSchema = v.picklist(['visitor', 'agent', 'system'])
export type Sender = v.InferOutput<typeof SenderSchema>

export const ConversationStatus = { Open: 'open', Resolved: 'resolved' } as const
export const ConversationStatusSchema = v.picklist([ConversationStatus.Open, ConversationStatus.Resolved])
export type ConversationStatus = v.InferOutput<typeof ConversationStatusSchema>

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

export { SideSchema }
