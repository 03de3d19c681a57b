import { map } from 'nanostores'
import type { Holder, Visitor } from '../../protocol/index.ts'
import { api } from '../lib/api.ts'
import { ConversationDetailSchema, ConversationSchemaBody } from '../lib/schemas.ts'
import { upsertConversations } from './conversations.ts'

/**
 * Who the visitor of a conversation is (name, email, user id, attributes), fetched when the
 * conversation is opened, and the actions on it: Resolve / Reopen, Take over / Hand back to the bot.
 */
export type Details = { visitor: Visitor | null; loading: boolean; failed: boolean }
export type StatusAction = 'resolve' | 'reopen' | 'takeover' | 'handback'

/** Each action's request. Taking over and handing back set who holds the conversation. */
const REQUESTS: Readonly<Record<StatusAction, { path: string; body?: { holder: Holder } }>> = {
  resolve: { path: 'resolve' },
  reopen: { path: 'reopen' },
  takeover: { path: 'holder', body: { holder: 'human' } },
  handback: { path: 'holder', body: { holder: 'bot' } },
}

export const $details = map<Record<string, Details | undefined>>({})
/** Conversation → the status change in flight or the last one that failed. */
export const $statusAction = map<Record<string, { action: StatusAction; busy: boolean; failed: boolean } | undefined>>({})

const NOT_LOADED: Details = { visitor: null, loading: false, failed: false }

export async function loadDetails(id: string): Promise<void> {
  const prev = $details.get()[id] ?? NOT_LOADED
  if (prev.loading) return
  $details.setKey(id, { ...prev, loading: true, failed: false })
  const res = await api(`/conversations/${encodeURIComponent(id)}`, { schema: ConversationDetailSchema })
  if (!res.ok) return $details.setKey(id, { ...prev, loading: false, failed: true })
  upsertConversations([res.data.conversation])
  $details.setKey(id, { visitor: res.data.visitor, loading: false, failed: false })
}

export async function changeStatus(id: string, action: StatusAction): Promise<void> {
  if ($statusAction.get()[id]?.busy) return
  $statusAction.setKey(id, { action, busy: true, failed: false })
  const { path, body } = REQUESTS[action]
  const res = await api(`/conversations/${encodeURIComponent(id)}/${path}`, { method: 'POST', body, schema: ConversationSchemaBody })
  if (res.ok) upsertConversations([res.data.conversation])
  $statusAction.setKey(id, res.ok ? undefined : { action, busy: false, failed: true })
}

export function resetDetails(): void {
  $details.set({})
  $statusAction.set({})
}
