import { map } from 'nanostores'
import type { ConversationStatus } from '../../protocol/index.ts'
import { api } from '../lib/api.ts'
import { ConversationsSchema } from '../lib/schemas.ts'
import { setListTab, statusOfTab, upsertConversations, type ListTab } from './conversations.ts'

/**
 * Loading the list per tab. The open list comes from REST at start and from `welcome` on every
 * connect; the resolved list is fetched each time its tab is shown. Live frames keep both current.
 */
export type ListState = 'idle' | 'loading' | 'ready' | 'failed'

export const $listState = map<Record<ConversationStatus, ListState>>({ open: 'idle', resolved: 'idle' })

export async function loadList(status: ConversationStatus): Promise<void> {
  if ($listState.get()[status] === 'loading') return
  // Keep showing what we have while refreshing; "loading" only matters for an empty list.
  $listState.setKey(status, 'loading')
  const res = await api(`/conversations?status=${status}`, { schema: ConversationsSchema })
  if (res.ok) upsertConversations(res.data.conversations)
  $listState.setKey(status, res.ok ? 'ready' : 'failed')
}

export function markListReady(status: ConversationStatus): void {
  $listState.setKey(status, 'ready')
}

export function showTab(tab: ListTab): void {
  setListTab(tab)
  const status = statusOfTab(tab)
  if (status === 'resolved' || $listState.get()[status] === 'failed') void loadList(status)
}

export function resetInbox(): void {
  $listState.set({ open: 'idle', resolved: 'idle' })
}
