import { atom } from 'nanostores'
import { VisitorSessionResponseSchema, type Site, type Visitor, type VisitorSessionResponse } from '../../protocol/index.ts'
import { api, checked } from './api.ts'
import { postToHost } from './embed.ts'
import { SITE } from './env.ts'
import type { Persist } from './persist.ts'

/**
 * The visitor session: one token, kept in IndexedDB (through persist) and in the host page's
 * localStorage (through the loader), because either may be partitioned or wiped.
 */
export type StoredSession = { token: string; visitorId: string }

export const $visitor = atom<Visitor | null>(null)
export const $site = atom<Site | null>(null)

let token: string | null = null

export const currentToken = (): string | null => token

/** POST /api/visitor/session: a still-valid token keeps its visitor, anything else mints a new one. */
export async function openSession(candidate: string | null): Promise<VisitorSessionResponse> {
  const body = candidate ? { site: SITE, token: candidate } : { site: SITE }
  return checked(VisitorSessionResponseSchema, await api('/api/visitor/session', { body }))
}

/** POST /api/visitor/identify with the current token → a new token (rotation). */
export async function identifySession(userToken: string): Promise<VisitorSessionResponse> {
  return checked(VisitorSessionResponseSchema, await api('/api/visitor/identify', { body: { userToken }, token }))
}

/**
 * Adopts a session answer: keeps the token in memory, IndexedDB and the host page.
 * Returns true when the visitor changed (the local cache belongs to someone else now).
 */
export function adoptSession(persist: Persist, res: VisitorSessionResponse, previousVisitorId: string | null): boolean {
  const changed = previousVisitorId !== null && previousVisitorId !== res.visitor.id
  const rotated = res.token !== token
  token = res.token
  $visitor.set(res.visitor)
  $site.set(res.site)
  void persist.set('site', res.site)
  if (rotated) {
    void persist.set('session', { token: res.token, visitorId: res.visitor.id } satisfies StoredSession)
    postToHost({ type: 'session', token: res.token })
  }
  return changed
}
