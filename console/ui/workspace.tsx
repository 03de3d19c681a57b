import { useStore } from '@nanostores/preact'
import type { Agent, Site } from '../../protocol/index.ts'
import { useEffect } from 'preact/hooks'
import { titleOf } from '../lib/title.ts'
import { $totalUnread } from '../stores/conversations.ts'
import { $handoffs } from '../stores/handoffs.ts'
import { $selectedId } from '../stores/selection.ts'
import { $view } from '../stores/view.ts'
import { BotPage } from './bot-page.tsx'
import { ConnectionBanner } from './connection-banner.tsx'
import { ConversationList } from './conversation-list.tsx'
import { ConversationPane } from './conversation-pane.tsx'
import { HandoffToasts } from './handoff-toasts.tsx'
import { TopBar } from './top-bar.tsx'

export function Workspace({ agent, sites }: { agent: Agent; sites: readonly Site[] }) {
  const selected = useStore($selectedId)
  const unread = useStore($totalUnread)
  const handoffs = Object.keys(useStore($handoffs)).length
  const view = useStore($view)
  useEffect(() => {
    // The tab title tells an agent in another tab that visitors are waiting.
    document.title = titleOf(unread, handoffs)
  }, [unread, handoffs])
  return (
    <div class={selected ? 'workspace has-selection' : 'workspace'}>
      <TopBar agent={agent} sites={sites} />
      <ConnectionBanner />
      <HandoffToasts />
      {view === 'bot' ? (
        <BotPage agent={agent} sites={sites} />
      ) : (
        <div class="columns">
          <ConversationList sites={sites} />
          <ConversationPane id={selected} sites={sites} />
        </div>
      )}
    </div>
  )
}
