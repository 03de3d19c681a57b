import {
  CloseCode,
  ErrorCode,
  type Conversation,
  type Message,
  type UserTokenClaims,
  type VisitorSessionResponse,
} from '../protocol/index.ts'
import { openSecret } from './auth/secrets.ts'
import { visitorFromToken } from './auth/sessions.ts'
import { signVisitorToken, verifyUserToken } from './auth/tokens.ts'
import type { Deps } from './deps.ts'
import { publicSite, publicVisitor } from './models.ts'
import { ConflictError, type SiteRecord, type VisitorRecord } from './store/store.ts'
import { room, type HubSocket } from './ws/hub.ts'

/**
 * Domain operations shared by REST and WebSocket handlers. Visitor sockets sit in their visitor's room
 * (not one room per conversation), so conversations moved by an identify merge reach the right sockets.
 */
export const roomsOf = (conv: Pick<Conversation, 'visitorId' | 'site'>): string[] => [room.visitor(conv.visitorId), room.site(conv.site)]

/** Who asks for a conversation: a visitor (their own only) or an agent (their sites' only). */
export type Viewer = { role: 'visitor'; visitorId: string } | { role: 'agent'; sites: readonly string[] }

export type Refusal = { code: typeof ErrorCode.NotFound | typeof ErrorCode.Forbidden; message: string }

/**
 * The one authorization rule for conversations, for REST and WebSocket alike: null when `viewer` may use
 * it. Another visitor's conversation looks exactly like a missing one.
 */
export function refusal(viewer: Viewer, conversation: Conversation | null): Refusal | null {
  if (!conversation) return { code: ErrorCode.NotFound, message: 'no such conversation' }
  if (viewer.role === 'visitor') return conversation.visitorId === viewer.visitorId ? null : { code: ErrorCode.NotFound, message: 'no such conversation' }
  return viewer.sites.includes(conversation.site) ? null : { code: ErrorCode.Forbidden, message: 'not a conversation of your sites' }
}

/** Loads a conversation and applies `refusal`. */
export async function viewConversation(deps: Pick<Deps, 'store'>, viewer: Viewer, id: string): Promise<Conversation | Refusal> {
  const conversation = await deps.store.getConversation(id)
  return refusal(viewer, conversation) ?? conversation!
}

export function broadcastConversation(deps: Deps, conversation: Conversation): void {
  deps.hub.broadcast(roomsOf(conversation), { type: 'conversation', conversation })
}

/**
 * To every socket of the conversation's visitor and site, except the one that sent it (`from`): its `ack`
 * carries the id, seq and time, and it has the text, so a copy would be a third of the message's bytes for
 * nothing. The sender's other tabs and devices get it.
 */
export function broadcastMessage(deps: Deps, message: Message, conversation: Pick<Conversation, 'visitorId' | 'site'>, from?: HubSocket): void {
  deps.hub.broadcast(roomsOf(conversation), { type: 'message', message }, { except: from })
}

async function sessionResponse(deps: Deps, visitor: VisitorRecord, site: SiteRecord): Promise<VisitorSessionResponse> {
  const token = await signVisitorToken(deps.keys.visitorJwt, visitor, deps.clock.now())
  return { token, visitor: publicVisitor(visitor), site: publicSite(site) }
}

/** A still-valid token for the site keeps its visitor (with a fresh expiry); anything else mints a new one. */
export async function visitorSession(deps: Deps, site: SiteRecord, token: string | undefined): Promise<VisitorSessionResponse> {
  const existing = token ? await visitorFromToken(deps, token) : null
  const visitor = existing && existing.site === site.key ? existing : await deps.store.createVisitor(site.key, deps.clock.now())
  return sessionResponse(deps, visitor, site)
}

export type IdentifyOutcome =
  | { ok: true; response: VisitorSessionResponse }
  | { ok: false; code: typeof ErrorCode.InvalidToken | typeof ErrorCode.ExpiredToken; message: string }

/**
 * Links a visitor to the site's user named by a verified identify token. Unknown user: this (anonymous)
 * visitor becomes theirs; a visitor already linked to a different user gets a fresh visitor instead. Known user (another device): this visitor's conversations move to that visitor (its
 * open one resolved if both have one) and the token returned is for that visitor. Either way this
 * visitor's old token stops working and its sockets are closed with 4001.
 */
export async function identify(deps: Deps, visitor: VisitorRecord, userToken: string): Promise<IdentifyOutcome> {
  const site = await deps.store.getSite(visitor.site)
  if (!site) return { ok: false, code: ErrorCode.InvalidToken, message: 'unknown site' }
  const verified = await verifyUserToken(openSecret(deps.keys.siteSecretKey, site.secretEnc), userToken, deps.clock.now())
  if (!verified.ok) return verified
  const result = await link(deps, visitor, verified.claims)
  deps.hub.closeRoom(room.visitor(visitor.id), CloseCode.Unauthorized, 'session rotated by identify')
  deps.logger.info({ visitor: visitor.id, into: result.id, site: site.key }, 'visitor identified')
  return { ok: true, response: await sessionResponse(deps, result, site) }
}

async function link(deps: Deps, visitor: VisitorRecord, claims: UserTokenClaims, retried = false): Promise<VisitorRecord> {
  const user = { userId: claims.sub, name: claims.name, email: claims.email }
  const owner = await deps.store.getVisitorByUser(visitor.site, claims.sub)
  if (visitor.userId !== null && visitor.userId !== claims.sub) {
    // Another user signed in on this device: nothing of the previous user's carries over.
    await deps.store.bumpTokenVersion(visitor.id)
    const target = owner ?? (await deps.store.createVisitor(visitor.site, deps.clock.now()))
    return owner ? target : deps.store.identifyVisitor(target.id, user)
  }
  if (!owner || owner.id === visitor.id) {
    try {
      return await deps.store.identifyVisitor(visitor.id, user)
    } catch (error) {
      // Another request linked the user first: merge into it instead.
      if (error instanceof ConflictError && !retried) return link(deps, visitor, claims, true)
      throw error
    }
  }
  const merged = await deps.store.mergeVisitor(visitor.id, owner.id, user, deps.clock.now())
  for (const id of merged.moved) {
    const conversation = await deps.store.getConversation(id)
    if (conversation) broadcastConversation(deps, conversation)
  }
  return merged.visitor
}
