import { Hono, type Context } from 'hono'
import {
  ConversationsQuerySchema,
  ErrorCode,
  LIMITS,
  MessagesQuerySchema,
  type Conversation,
  type ConversationResponse,
  type ConversationsResponse,
  type ConversationStatus,
  type MessagesResponse,
} from '../../protocol/index.ts'
import { looksLikeVisitorToken } from '../auth/sessions.ts'
import { broadcastConversation } from '../chat.ts'
import { SERVER_LIMITS } from '../config.ts'
import type { Deps } from '../deps.ts'
import { publicVisitor } from '../models.ts'
import { ConflictError } from '../store/store.ts'
import { apiError, parseQuery } from './errors.ts'
import { bearer, requireAgent, requireVisitor } from './guards.ts'

/** /api/conversations/* */
export function createConversationsApi(deps: Deps): Hono {
  const app = new Hono()

  const conversationFor = async (c: Context, sites: readonly string[]): Promise<Conversation> => {
    const conversation = await deps.store.getConversation(c.req.param('id') ?? '')
    if (!conversation) throw apiError(404, ErrorCode.NotFound, 'no such conversation')
    if (!sites.includes(conversation.site)) throw apiError(403, ErrorCode.Forbidden, 'not a conversation of your sites')
    return conversation
  }

  app.get('/', async (c) => {
    const auth = await requireAgent(c, deps)
    const query = parseQuery(c, ConversationsQuerySchema)
    if (query.site && !auth.sites.includes(query.site)) throw apiError(403, ErrorCode.Forbidden, 'not one of your sites')
    const conversations = await deps.store.listConversations({
      sites: query.site ? [query.site] : auth.sites,
      status: query.status,
      limit: SERVER_LIMITS.conversationListMax,
    })
    const body: ConversationsResponse = { conversations }
    return c.json(body)
  })

  app.get('/:id/messages', async (c) => {
    const query = parseQuery(c, MessagesQuerySchema)
    const token = bearer(c)
    let conv: string
    if (token && looksLikeVisitorToken(token)) {
      const visitor = await requireVisitor(c, deps)
      const conversation = await deps.store.getConversation(c.req.param('id'))
      // Another visitor's conversation looks exactly like a missing one.
      if (!conversation || conversation.visitorId !== visitor.id) throw apiError(404, ErrorCode.NotFound, 'no such conversation')
      conv = conversation.id
    } else {
      const auth = await requireAgent(c, deps)
      conv = (await conversationFor(c, auth.sites)).id
    }
    const page = await deps.store.listMessages(conv, { after: query.after, before: query.before, limit: query.limit ?? LIMITS.pageMax })
    const body: MessagesResponse = page
    return c.json(body)
  })

  app.get('/:id', async (c) => {
    const auth = await requireAgent(c, deps)
    const conversation = await conversationFor(c, auth.sites)
    const visitor = await deps.store.getVisitor(conversation.visitorId)
    const body: ConversationResponse = { conversation, visitor: visitor ? publicVisitor(visitor) : null }
    return c.json(body)
  })

  const setStatus = (status: ConversationStatus) => async (c: Context) => {
    const auth = await requireAgent(c, deps)
    const current = await conversationFor(c, auth.sites)
    let conversation: Conversation
    try {
      conversation = await deps.store.setConversationStatus(current.id, status, deps.clock.now())
    } catch (error) {
      if (error instanceof ConflictError) throw apiError(409, ErrorCode.Conflict, error.message)
      throw error
    }
    if (conversation.status !== current.status) broadcastConversation(deps, conversation)
    return c.json({ conversation })
  }
  app.post('/:id/resolve', setStatus('resolved'))
  app.post('/:id/reopen', setStatus('open'))

  return app
}
