import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { HTTPException } from 'hono/http-exception'
import { ErrorCode, type ErrorBody } from '../protocol/index.ts'
import { SERVER_LIMITS } from './config.ts'
import type { Deps } from './deps.ts'
import { DEMO_FAKE } from './demo/fake-services.ts'
import { createAgentApi } from './http/agent-api.ts'
import { createBotApi } from './http/bot-api.ts'
import { createBrowserRoutes } from './http/browser-routes.ts'
import { createConversationsApi } from './http/conversations-api.ts'
import { apiError, codeForStatus } from './http/errors.ts'
import { createOpsRoutes } from './http/ops-routes.ts'
import { createVisitorApi } from './http/visitor-api.ts'

/** Routes that come from elsewhere: plugins under /api/plugins/<name>, the demo's fake services under /demo/fake. */
export type ExtraRoutes = { plugins: { name: string; app: Hono }[]; demoServices: Hono | null }

/** The HTTP app: REST under /api, probes and metrics, browser pages. WebSockets attach in server.ts. */
export function createApp(deps: Deps, extra: ExtraRoutes = { plugins: [], demoServices: null }): Hono {
  const api = new Hono()
  api.use(
    bodyLimit({
      maxSize: SERVER_LIMITS.bodyBytesMax,
      onError: () => {
        throw apiError(413, ErrorCode.TooLarge, `body over ${SERVER_LIMITS.bodyBytesMax} bytes`)
      },
    }),
  )
  api.use(async (c, next) => {
    await next()
    c.header('Cache-Control', 'no-store')
    c.header('X-Content-Type-Options', 'nosniff')
  })
  api.route('/', createVisitorApi(deps))
  api.route('/agent', createAgentApi(deps))
  api.route('/conversations', createConversationsApi(deps))
  api.route('/sites', createBotApi(deps))
  for (const plugin of extra.plugins) api.route(`/plugins/${plugin.name}`, plugin.app)
  api.all('*', () => {
    throw apiError(404, ErrorCode.NotFound, 'no such API route')
  })

  const app = new Hono()
  // Access log at debug: method, path (never the query string), status, duration. No headers, no bodies.
  app.use(async (c, next) => {
    const started = performance.now()
    await next()
    deps.logger.debug({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) }, 'http')
  })
  app.route('/api', api)
  app.route('/', createOpsRoutes(deps))
  if (extra.demoServices) app.route(DEMO_FAKE.mount, extra.demoServices)
  app.route('/', createBrowserRoutes(deps))
  app.notFound((c) => c.text('Not found\n', 404))
  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      if (error.res) return error.getResponse()
      const body: ErrorBody = { error: { code: codeForStatus(error.status), message: error.message || 'error' } }
      return c.json(body, error.status)
    }
    deps.logger.error({ err: error, path: c.req.path }, 'unhandled error')
    const body: ErrorBody = { error: { code: ErrorCode.Internal, message: 'internal error' } }
    return c.json(body, 500)
  })
  return app
}
