import { useStore } from '@nanostores/preact'
import type { Site } from '../../protocol/index.ts'
import type { MessageKey } from '../i18n/messages.ts'
import { useT } from '../i18n/use-t.ts'
import { $conversationList, $listTab, $tabCounts, LIST_TABS, statusOfTab, unreadCount, type ListTab } from '../stores/conversations.ts'
import { $handoffs } from '../stores/handoffs.ts'
import { $listState, loadList, showTab } from '../stores/inbox.ts'
import { openConversation } from '../stores/live.ts'
import { $selectedId } from '../stores/selection.ts'
import { ConversationRow } from './conversation-row.tsx'

const TAB_LABELS: Readonly<Record<ListTab, MessageKey>> = { human: 'inbox.human', bot: 'inbox.bot', resolved: 'inbox.resolved' }
const TAB_TITLES: Readonly<Record<ListTab, MessageKey | null>> = { human: 'inbox.human.title', bot: 'inbox.bot.title', resolved: null }

export function ConversationList({ sites }: { sites: readonly Site[] }) {
  const t = useT()
  const list = useStore($conversationList)
  const tab = useStore($listTab)
  const counts = useStore($tabCounts)
  const handoffs = useStore($handoffs)
  const listState = useStore($listState)[statusOfTab(tab)]
  const selected = useStore($selectedId)
  const siteNames = sites.length > 1 ? new Map(sites.map((s) => [s.key, s.name])) : null

  return (
    <aside class="inbox" aria-label={t('inbox.title')}>
      <div class="inbox-head">
        <h2 class="inbox-title">{t('inbox.title')}</h2>
        <div class="tabs" role="tablist">
          {LIST_TABS.map((each) => (
            <button
              key={each}
              type="button"
              role="tab"
              class="tab"
              data-testid={`tab-${each}`}
              aria-selected={each === tab}
              title={TAB_TITLES[each] ? t(TAB_TITLES[each]) : undefined}
              onClick={() => showTab(each)}
            >
              {t(TAB_LABELS[each])}
              {each !== 'resolved' && counts[each] > 0 ? <span class="tab-count">{counts[each]}</span> : null}
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
            handedOff={handoffs[entry.conv.id] !== undefined}
            siteName={siteNames?.get(entry.conv.site) ?? null}
            onOpen={openConversation}
          />
        ))}
      </ul>
      {list.length === 0 ? <ListEmpty tab={tab} state={listState} onRetry={() => void loadList(statusOfTab(tab))} /> : null}
    </aside>
  )
}

const EMPTY_TITLES: Readonly<Record<ListTab, MessageKey>> = { human: 'inbox.empty.open', bot: 'inbox.empty.bot', resolved: 'inbox.empty.resolved' }
const EMPTY_HINTS: Readonly<Record<ListTab, MessageKey>> = { human: 'inbox.empty.openHint', bot: 'inbox.empty.botHint', resolved: 'inbox.empty.resolvedHint' }

function ListEmpty({ tab, state, onRetry }: { tab: ListTab; state: string; onRetry: () => void }) {
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
      <p class="list-empty-title">{t(EMPTY_TITLES[tab])}</p>
      <p class="list-empty-hint">{t(EMPTY_HINTS[tab])}</p>
    </div>
  )
}
