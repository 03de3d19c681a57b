import { useStore } from '@nanostores/preact'
import type { ConversationStatus, Site } from '../../protocol/index.ts'
import { useT } from '../i18n/use-t.ts'
import { $conversationList, $conversations, $statusFilter, unreadCount } from '../stores/conversations.ts'
import { $listState, loadList, showStatus } from '../stores/inbox.ts'
import { openConversation } from '../stores/live.ts'
import { $selectedId } from '../stores/selection.ts'
import { ConversationRow } from './conversation-row.tsx'

const TABS: readonly ConversationStatus[] = ['open', 'resolved']

export function ConversationList({ sites }: { sites: readonly Site[] }) {
  const t = useT()
  const list = useStore($conversationList)
  const status = useStore($statusFilter)
  const all = useStore($conversations)
  const listState = useStore($listState)[status]
  const selected = useStore($selectedId)
  const openCount = Object.values(all).filter((e) => e.conv.status === 'open').length
  const siteNames = sites.length > 1 ? new Map(sites.map((s) => [s.key, s.name])) : null

  return (
    <aside class="inbox" aria-label={t('inbox.title')}>
      <div class="inbox-head">
        <h2 class="inbox-title">{t('inbox.title')}</h2>
        <div class="tabs" role="tablist">
          {TABS.map((tab) => (
            <button
              key={tab}
              type="button"
              role="tab"
              class="tab"
              data-testid={`tab-${tab}`}
              aria-selected={tab === status}
              onClick={() => showStatus(tab)}
            >
              {tab === 'open' ? t('inbox.open') : t('inbox.resolved')}
              {tab === 'open' && openCount > 0 ? <span class="tab-count">{openCount}</span> : null}
            </button>
          ))}
        </div>
      </div>
      <ul class="inbox-list">
        {list.map((entry) => (
          <ConversationRow
            key={entry.conv.id}
            conv={entry.conv}
            unread={unreadCount(entry)}
            selected={entry.conv.id === selected}
            siteName={siteNames?.get(entry.conv.site) ?? null}
            onOpen={openConversation}
          />
        ))}
      </ul>
      {list.length === 0 ? <ListEmpty status={status} state={listState} onRetry={() => void loadList(status)} /> : null}
    </aside>
  )
}

function ListEmpty({ status, state, onRetry }: { status: ConversationStatus; state: string; onRetry: () => void }) {
  const t = useT()
  if (state === 'loading' || state === 'idle') {
    return (
      <div class="list-empty">
        <span class="spinner" aria-hidden="true" />
        <p>{t('inbox.loading')}</p>
      </div>
    )
  }
  if (state === 'failed') {
    return (
      <div class="list-empty">
        <p>{t('inbox.loadFailed')}</p>
        <button type="button" class="btn btn-sm" onClick={onRetry}>
          {t('conv.retry')}
        </button>
      </div>
    )
  }
  return (
    <div class="list-empty" data-testid="inbox-empty">
      <svg viewBox="0 0 48 48" width="44" height="44" aria-hidden="true" class="list-empty-icon">
        <path
          fill="currentColor"
          d="M10 8h28a4 4 0 0 1 4 4v18a4 4 0 0 1-4 4H22l-9 7v-7h-3a4 4 0 0 1-4-4V12a4 4 0 0 1 4-4Zm0 3a1 1 0 0 0-1 1v18a1 1 0 0 0 1 1h6v4l5-4h17a1 1 0 0 0 1-1V12a1 1 0 0 0-1-1H10Z"
        />
      </svg>
      <p class="list-empty-title">{status === 'open' ? t('inbox.empty.open') : t('inbox.empty.resolved')}</p>
      {status === 'open' ? <p class="list-empty-hint">{t('inbox.empty.openHint')}</p> : null}
    </div>
  )
}
