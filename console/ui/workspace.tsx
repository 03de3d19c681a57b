import { useStore } from '@nanostores/preact'
import type { Agent, Site } from '../../protocol/index.ts'
import { useEffect } from 'preact/hooks'
import { $totalUnread } from '../stores/conversations.ts'
import { $selectedId } from '../stores/selection.ts'
import { ConnectionBanner } from './connection-banner.tsx'
import { ConversationList } from './conversation-list.tsx'
import { ConversationPane } from './conversation-pane.tsx'
import { TopBar } from './top-bar.tsx'

export function Workspace({ agent, sites }: { agent: Agent; sites: readonly Site[] }) {
  const selected = useStore($selectedId)
  const unread = useStore($totalUnread)
  useEffect(() => {
    // The tab title tells an agent in another tab that visitors are waiting.
    document.title = `${unread > 0 ? `(${unread > 99 ? '99+' : unread}) ` : ''}Kefu`
  }, [unread])
  return (
    <div class={selected ? 'workspace has-selection' : 'workspace'}>
      <TopBar agent={agent} />
      <ConnectionBanner />
      <div class="columns">
        <ConversationList sites={sites} />
        <ConversationPane id={selected} sites={sites} />
      </div>
    </div>
  )
}
