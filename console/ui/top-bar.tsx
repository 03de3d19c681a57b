import { useStore } from '@nanostores/preact'
import type { Agent, Site } from '../../protocol/index.ts'
import { initials } from '../lib/names.ts'
import { useT } from '../i18n/use-t.ts'
import { $botSite } from '../stores/bot-admin.ts'
import { $handoffs } from '../stores/handoffs.ts'
import { logout } from '../stores/session.ts'
import { $view, showBot, showInbox } from '../stores/view.ts'
import { Brand } from './brand.tsx'
import { LocaleSelect } from './locale-select.tsx'

export function TopBar({ agent, sites }: { agent: Agent; sites: readonly Site[] }) {
  const t = useT()
  const view = useStore($view)
  const botSite = useStore($botSite)
  const handoffs = Object.keys(useStore($handoffs)).length
  const firstSite = sites[0]?.key
  return (
    <header class="topbar">
      <Brand />
      <nav class="nav" aria-label={t('app.tagline')}>
        <button type="button" class="nav-link" data-testid="nav-inbox" aria-current={view === 'inbox' ? 'page' : undefined} onClick={showInbox}>
          {t('nav.inbox')}
          {handoffs > 0 ? <span class="nav-dot" aria-label={t('inbox.handedOff')} /> : null}
        </button>
        {firstSite ? (
          <button
            type="button"
            class="nav-link"
            data-testid="nav-bot"
            aria-current={view === 'bot' ? 'page' : undefined}
            onClick={() => showBot(botSite ?? firstSite)}
          >
            {t('nav.bot')}
          </button>
        ) : null}
      </nav>
      <div class="topbar-end">
        <LocaleSelect />
        <span class="me" title={agent.email}>
          <span class="avatar avatar-sm avatar-me" aria-hidden="true">
            {initials(agent.name)}
          </span>
          <span class="me-name">{agent.name}</span>
        </span>
        <button type="button" class="btn btn-ghost btn-sm" data-testid="logout" onClick={() => void logout()}>
          {t('header.logout')}
        </button>
      </div>
    </header>
  )
}
