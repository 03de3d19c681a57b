import { Hono } from 'hono'
import { deleteCookie, setCookie } from 'hono/cookie'
import { CloseCode, ErrorCode, LoginRequestSchema, type Agent, type LoginResponse, type MeResponse } from '../../protocol/index.ts'
import { hashPassword, verifyPassword } from '../auth/password.ts'
import { SESSION_COOKIE } from '../auth/sessions.ts'
import { SERVER_LIMITS } from '../config.ts'
import type { Deps } from '../deps.ts'
import { publicSite } from '../models.ts'
import { createRateLimiter } from '../rate-limit.ts'
import type { AgentRecord } from '../store/store.ts'
import { room } from '../ws/hub.ts'
import { apiError, parseBody } from './errors.ts'
import { rateLimit, requireAgent } from './guards.ts'

export const publicAgent = (a: AgentRecord): Agent => ({ id: a.id, email: a.email, name: a.name, role: a.role })

/** /api/agent/* */
export function createAgentApi(deps: Deps): Hono {
  const loginLimiter = createRateLimiter(deps.config.rateLimits.loginPerMinPerIp)
  // Verified against for unknown emails so response time does not reveal which emails exist.
  const dummyHash = hashPassword('kefu-dummy-password')
  // Over https the console may sit in a cross-site admin portal iframe: the cookie must be SameSite=None.
  const secure = deps.config.publicUrl.startsWith('https:')
  const app = new Hono()

  app.post('/login', async (c) => {
    rateLimit(c, deps, loginLimiter, 'login')
    const body = await parseBody(c, LoginRequestSchema)
    const agent = await deps.store.getAgentByEmail(body.email)
    const ok = await verifyPassword(body.password, agent?.passwordHash ?? (await dummyHash))
    if (!agent || !ok) throw apiError(401, ErrorCode.Unauthorized, 'wrong email or password')
    const token = await deps.store.createAgentSession(agent.id, deps.clock.now())
    setCookie(c, SESSION_COOKIE, token, {
      httpOnly: true,
      path: '/',
      maxAge: Math.floor(SERVER_LIMITS.agentSessionTtlMs / 1000),
      ...(secure ? { secure: true, sameSite: 'None', partitioned: true } : { sameSite: 'Lax' }),
    })
    deps.logger.info({ agent: agent.id }, 'agent logged in')
    const response: LoginResponse = { token, agent: publicAgent(agent) }
    return c.json(response)
  })

  app.post('/logout', async (c) => {
    const auth = await requireAgent(c, deps)
    await deps.store.deleteAgentSession(auth.token)
    deps.hub.closeRoom(room.session(auth.token), CloseCode.Unauthorized, 'logged out')
    deleteCookie(c, SESSION_COOKIE, { path: '/', ...(secure ? { secure: true, partitioned: true } : {}) })
    return c.json({ ok: true as const })
  })

  app.get('/me', async (c) => {
    const auth = await requireAgent(c, deps)
    const sites = await Promise.all(auth.sites.map((key) => deps.store.getSite(key)))
    const response: MeResponse = { agent: publicAgent(auth.agent), sites: sites.flatMap((s) => (s ? [publicSite(s)] : [])) }
    return c.json(response)
  })

  return app
}
