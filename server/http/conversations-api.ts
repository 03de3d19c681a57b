import { Hono, type Context } from 'hono'
import {
  HolderRequestSchema,
  type BotTurnsResponse,
  type ConversationChangeResponse,
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
import { broadcastConversation, viewConversation, type Viewer } from '../chat.ts'
import { SERVER_LIMITS } from '../config.ts'
import type { Deps } from '../deps.ts'
import { publicVisitor } from '../models.ts'
import { ConflictError } from '../store/store.ts'
import { apiError, parseBody, parseQuery } from './errors.ts'
import { bearer, requireAgent, requireVisitor } from './guards.ts'

/** /api/conversations/* */
export function createConversationsApi(deps: Deps): Hono {
  const app = new Hono()

  const conversationFor = async (c: Context, viewer: Viewer): Promise<Conversation> => {
    const result = await viewConversation(deps, viewer, c.req.param('id') ?? '')
    if ('code' in result) throw apiError(result.code === ErrorCode.NotFound ? 404 : 403, result.code, result.message)
    return result
  }
  const asAgent = async (c: Context): Promise<Viewer> => ({ role: 'agent', sites: (await requireAgent(c, deps)).sites })

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
    const viewer: Viewer = token && looksLikeVisitorToken(token) ? { role: 'visitor', visitorId: (await requireVisitor(c, deps)).id } : await asAgent(c)
    const conv = (await conversationFor(c, viewer)).id
    const page = await deps.store.listMessages(conv, { after: query.after, before: query.before, limit: query.limit ?? LIMITS.pageMax })
    const body: MessagesResponse = page
    return c.json(body)
  })

  app.get('/:id', async (c) => {
    const conversation = await conversationFor(c, await asAgent(c))
    const visitor = await deps.store.getVisitor(conversation.visitorId)
    const body: ConversationResponse = { conversation, visitor: visitor ? publicVisitor(visitor) : null }
    return c.json(body)
  })

  const setStatus = (status: ConversationStatus) => async (c: Context) => {
    const current = await conversationFor(c, await asAgent(c))
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

  // Take over from the bot (`human`) or hand back to it (`bot`). Handing back needs a site with a script.
  app.post('/:id/holder', async (c) => {
    const current = await conversationFor(c, await asAgent(c))
    const { holder } = await parseBody(c, HolderRequestSchema)
    if (holder === 'bot' && deps.bot?.holderFor(current.site) !== 'bot') throw apiError(409, ErrorCode.Conflict, 'this site has no bot script')
    const result = await deps.store.updateConversation(current.id, { holder }, deps.clock.now())
    if (result.changed) broadcastConversation(deps, result.conversation)
    const body: ConversationChangeResponse = { conversation: result.conversation }
    return c.json(body)
  })

  app.get('/:id/bot', async (c) => {
    const conversation = await conversationFor(c, await asAgent(c))
    const body: BotTurnsResponse = { turns: await deps.store.listBotTurns(conversation.id) }
    return c.json(body)
  })

  return app
}
