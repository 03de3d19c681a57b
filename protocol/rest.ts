import * as v from 'valibot'
import type { ErrorCode } from './codes.ts'
import { LIMITS } from './limits.ts'
import {
  AgentSchema,
  BotTurnSchema,
  HolderSchema,
  AttributesSchema,
  ConversationSchema,
  ConversationStatusSchema,
  MessageSchema,
  SiteSchema,
  VisitorSchema,
} from './models.ts'

/**
 * REST bodies. Every route lives under /api; errors are `{ error: { code, message } }` with an HTTP
 * status. Visitor routes take `Authorization: Bearer <visitor token>`; agent routes take the
 * `kefu_session` cookie or `Authorization: Bearer <session token>`. Tokens never travel in URLs.
 */
export type ErrorBody = { error: { code: ErrorCode; message: string } }

export const SiteKeySchema = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(LIMITS.siteKeyMax),
  v.regex(/^[a-z0-9][a-z0-9-]*$/, 'site key: lowercase letters, digits and dashes'),
)

/** POST /api/visitor/session: mint a visitor token for a site, or refresh a still-valid one. */
export const VisitorSessionRequestSchema = v.object({
  site: SiteKeySchema,
  token: v.optional(v.pipe(v.string(), v.maxLength(4096))),
})
export type VisitorSessionRequest = v.InferOutput<typeof VisitorSessionRequestSchema>
export const VisitorSessionResponseSchema = v.object({ token: v.string(), visitor: VisitorSchema, site: SiteSchema })
export type VisitorSessionResponse = v.InferOutput<typeof VisitorSessionResponseSchema>

/**
 * POST /api/visitor/identify: link the visitor to the site's known user. `userToken` is an HS256 JWT
 * signed by the site's backend with the site secret: `{ sub: userId, name?, email?, exp }`, with `exp`
 * at most `LIMITS.userTokenLifetimeMaxSec` away. The response carries a new visitor token (rotation).
 */
export const IdentifyRequestSchema = v.object({
  userToken: v.pipe(v.string(), v.minLength(1), v.maxLength(LIMITS.userTokenMax)),
})
export type IdentifyRequest = v.InferOutput<typeof IdentifyRequestSchema>
export type IdentifyResponse = VisitorSessionResponse

/** Claims the site's backend puts in the identify token. */
export const UserTokenClaimsSchema = v.object({
  sub: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
  name: v.optional(v.pipe(v.string(), v.maxLength(LIMITS.nameMax))),
  email: v.optional(v.pipe(v.string(), v.maxLength(LIMITS.emailMax), v.email())),
  exp: v.number(),
  iat: v.optional(v.number()),
})
export type UserTokenClaims = v.InferOutput<typeof UserTokenClaimsSchema>

/** POST /api/visitor/attributes: merge custom attributes into the visitor. */
export const AttributesRequestSchema = v.object({ attributes: AttributesSchema })
export type AttributesRequest = v.InferOutput<typeof AttributesRequestSchema>

/** GET /api/visitor/conversations → the visitor's conversations, newest first. */
export type VisitorConversationsResponse = { conversations: v.InferOutput<typeof ConversationSchema>[] }

/** GET /api/conversations/:id/messages?after=SEQ | before=SEQ & limit=N (visitor or agent). */
export const MessagesQuerySchema = v.object({
  after: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(0))),
  before: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1))),
  limit: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1), v.maxValue(LIMITS.pageMax))),
})
export const MessagesResponseSchema = v.object({ messages: v.array(MessageSchema), more: v.boolean() })
export type MessagesResponse = v.InferOutput<typeof MessagesResponseSchema>

/** POST /api/agent/login: sets the HttpOnly `kefu_session` cookie and returns the token too. */
export const LoginRequestSchema = v.object({
  email: v.pipe(v.string(), v.trim(), v.toLowerCase(), v.minLength(3), v.maxLength(LIMITS.emailMax)),
  password: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
})
export type LoginRequest = v.InferOutput<typeof LoginRequestSchema>
export type LoginResponse = { token: string; agent: v.InferOutput<typeof AgentSchema> }

/** GET /api/agent/me */
export type MeResponse = { agent: v.InferOutput<typeof AgentSchema>; sites: v.InferOutput<typeof SiteSchema>[] }

/** GET /api/conversations?status=open|resolved&site=KEY (agent) → newest activity first. */
export const ConversationsQuerySchema = v.object({
  status: v.optional(ConversationStatusSchema),
  site: v.optional(SiteKeySchema),
})
export type ConversationsResponse = { conversations: v.InferOutput<typeof ConversationSchema>[] }

/** GET /api/conversations/:id → the conversation and, for agents, its visitor. */
export type ConversationResponse = {
  conversation: v.InferOutput<typeof ConversationSchema>
  visitor: v.InferOutput<typeof VisitorSchema> | null
}

/** GET /api/sites/:key/public → what the widget needs to draw itself (no auth). */
export type SitePublicResponse = { site: v.InferOutput<typeof SiteSchema> }

/** POST /api/conversations/:id/holder (agent): take over from the bot (`human`) or hand back (`bot`). */
export const HolderRequestSchema = v.object({ holder: HolderSchema })
export type HolderRequest = v.InferOutput<typeof HolderRequestSchema>
/** Answers of /resolve, /reopen and /holder. */
export type ConversationChangeResponse = { conversation: v.InferOutput<typeof ConversationSchema> }

/** GET /api/conversations/:id/bot (agent) → the bot's turns in this conversation, oldest first. */
export type BotTurnsResponse = { turns: v.InferOutput<typeof BotTurnSchema>[] }

/** A line-numbered problem in a bot script or experiment file. */
export type ScriptErrorBody = { line: number; column: number; message: string }
/** 422 answer to an invalid script upload: nothing changed, the old script keeps running. */
export type InvalidScriptBody = ErrorBody & { errors: ScriptErrorBody[] }

/** GET /api/sites/:key/bot (agent of the site) → the site's scripts and experiment. */
export type BotOverviewResponse = {
  variants: { variant: string; version: string | null; loadedAt: number | null; errors: ScriptErrorBody[] }[]
  experiment: { name: string; weights: Record<string, number>; errors: ScriptErrorBody[] } | null
}
/** GET/PUT /api/sites/:key/bot/scripts/:variant (PUT: admins) and /bot/experiment; body and answer carry the source. */
export const ScriptSourceSchema = v.object({ source: v.pipe(v.string(), v.maxLength(256 * 1024, 'script larger than 256 KB')) })
export type ScriptSource = v.InferOutput<typeof ScriptSourceSchema>
export type ScriptSourceResponse = { variant: string; version: string | null; source: string }

/** GET /api/sites/:key/bot/stats (agent of the site) → per variant, side by side. */
export type BotStatsResponse = {
  experiment: string | null
  variants: {
    variant: string
    conversations: number
    /** Resolved while the bot held it, never handed off. */
    resolvedByBot: number
    handoffs: number
    ratings: number
    avgRating: number | null
  }[]
}
