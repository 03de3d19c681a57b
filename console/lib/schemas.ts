import * as v from 'valibot'
import {
  AgentSchema,
  BotTurnSchema,
  ConversationSchema,
  MessagesResponseSchema,
  SiteSchema,
  VisitorSchema,
  type BotOverviewResponse,
  type BotStatsResponse,
  type BotTurnsResponse,
  type ScriptErrorBody,
  type ScriptSourceResponse,
} from '../../protocol/index.ts'

/**
 * Response shapes of the REST routes the console calls, composed from the protocol's model schemas
 * (protocol/rest.ts declares these bodies as types only).
 */
export const MeSchema = v.object({ agent: AgentSchema, sites: v.array(SiteSchema) })
export const LoginSchema = v.object({ agent: AgentSchema })
export const OkSchema = v.object({ ok: v.literal(true) })
export const ConversationsSchema = v.object({ conversations: v.array(ConversationSchema) })
export const ConversationSchemaBody = v.object({ conversation: ConversationSchema })
export const ConversationDetailSchema = v.object({ conversation: ConversationSchema, visitor: v.nullable(VisitorSchema) })
export { MessagesResponseSchema }

export const BotTurnsSchema: v.GenericSchema<unknown, BotTurnsResponse> = v.object({ turns: v.array(BotTurnSchema) })

const ScriptErrorSchema: v.GenericSchema<unknown, ScriptErrorBody> = v.object({ line: v.number(), column: v.number(), message: v.string() })
export const ScriptErrorsSchema = v.array(ScriptErrorSchema)

export const BotOverviewSchema: v.GenericSchema<unknown, BotOverviewResponse> = v.object({
  variants: v.array(
    v.object({ variant: v.string(), version: v.nullable(v.string()), loadedAt: v.nullable(v.number()), errors: ScriptErrorsSchema }),
  ),
  experiment: v.nullable(v.object({ name: v.string(), weights: v.record(v.string(), v.number()), errors: ScriptErrorsSchema })),
})

export const ScriptSourceResponseSchema: v.GenericSchema<unknown, ScriptSourceResponse> = v.object({
  variant: v.string(),
  version: v.nullable(v.string()),
  source: v.string(),
})

export const BotStatsSchema: v.GenericSchema<unknown, BotStatsResponse> = v.object({
  experiment: v.nullable(v.string()),
  variants: v.array(
    v.object({
      variant: v.string(),
      conversations: v.number(),
      resolvedByBot: v.number(),
      handoffs: v.number(),
      ratings: v.number(),
      avgRating: v.nullable(v.number()),
    }),
  ),
})
