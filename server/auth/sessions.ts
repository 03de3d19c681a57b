import type { Deps } from '../deps.ts'
import type { AgentRecord, VisitorRecord } from '../store/store.ts'
import { verifyVisitorToken } from './tokens.ts'

/** The visitor a token stands for, if it is valid, of a live visitor, at the current token version. */
export async function visitorFromToken(deps: Deps, token: string): Promise<VisitorRecord | null> {
  const claims = await verifyVisitorToken(deps.keys.visitorJwt, token, deps.clock.now())
  if (!claims) return null
  const visitor = await deps.store.getVisitor(claims.sub)
  if (!visitor || visitor.site !== claims.site || visitor.tokenVersion !== claims.ver) return null
  return visitor
}

export type AgentAuth = { agent: AgentRecord; sites: string[]; token: string }

/** The agent behind a session token, with the sites they belong to. */
export async function agentFromSession(deps: Deps, token: string): Promise<AgentAuth | null> {
  const session = await deps.store.getAgentSession(token, deps.clock.now())
  if (!session) return null
  const agent = await deps.store.getAgent(session.agentId)
  if (!agent) return null
  return { agent, sites: await deps.store.listAgentSites(agent.id), token }
}

/** Visitor tokens are JWTs (three dot-separated parts); agent session tokens have no dots. */
export const looksLikeVisitorToken = (token: string): boolean => token.split('.').length === 3

export const SESSION_COOKIE = 'kefu_session'
