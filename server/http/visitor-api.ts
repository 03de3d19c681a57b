import { Hono } from 'hono'
import {
  AttributesRequestSchema,
  ErrorCode,
  IdentifyRequestSchema,
  LIMITS,
  VisitorSessionRequestSchema,
  type VisitorConversationsResponse,
} from '../../protocol/index.ts'
import { identify, visitorSession } from '../chat.ts'
import type { Deps } from '../deps.ts'
import { publicVisitor, publicSite } from '../models.ts'
import { createRateLimiter } from '../rate-limit.ts'
import { apiError, parseBody } from './errors.ts'
import { rateLimit, requireVisitor } from './guards.ts'

/** /api/visitor/* and /api/sites/:key/public */
export function createVisitorApi(deps: Deps): Hono {
  const sessionLimiter = createRateLimiter(deps.config.rateLimits.sessionPerMinPerIp)
  const identifyLimiter = createRateLimiter(deps.config.rateLimits.identifyPerMinPerIp)
  const app = new Hono()

  app.get('/sites/:key/public', async (c) => {
    const site = await deps.store.getSite(c.req.param('key'))
    if (!site) throw apiError(404, ErrorCode.NotFound, 'no such site')
    return c.json({ site: publicSite(site) })
  })

  app.post('/visitor/session', async (c) => {
    const body = await parseBody(c, VisitorSessionRequestSchema)
    rateLimit(c, deps, sessionLimiter, 'session')
    const site = await deps.store.getSite(body.site)
    if (!site) throw apiError(404, ErrorCode.NotFound, 'no such site')
    return c.json(await visitorSession(deps, site, body.token))
  })

  app.post('/visitor/identify', async (c) => {
    const visitor = await requireVisitor(c, deps)
    const body = await parseBody(c, IdentifyRequestSchema)
    rateLimit(c, deps, identifyLimiter, 'identify')
    const outcome = await identify(deps, visitor, body.userToken)
    if (!outcome.ok) throw apiError(401, outcome.code, outcome.message)
    return c.json(outcome.response)
  })

  app.post('/visitor/attributes', async (c) => {
    const visitor = await requireVisitor(c, deps)
    const body = await parseBody(c, AttributesRequestSchema)
    const keys = new Set([...Object.keys(visitor.attributes), ...Object.keys(body.attributes)])
    if (keys.size > LIMITS.attributesMax) throw apiError(400, ErrorCode.BadRequest, `at most ${LIMITS.attributesMax} attributes`)
    return c.json({ visitor: publicVisitor(await deps.store.mergeAttributes(visitor.id, body.attributes)) })
  })

  app.get('/visitor/conversations', async (c) => {
    const visitor = await requireVisitor(c, deps)
    const body: VisitorConversationsResponse = { conversations: await deps.store.listVisitorConversations(visitor.id) }
    return c.json(body)
  })

  return app
}
