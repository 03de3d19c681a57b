import * as v from 'valibot'
import { AgentSchema, ConversationSchema, MessagesResponseSchema, SiteSchema, VisitorSchema } from '../../protocol/index.ts'

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
