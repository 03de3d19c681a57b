import type { Agent } from '../../protocol/index.ts'
import { initials } from '../lib/names.ts'
import { useT } from '../i18n/use-t.ts'
import { logout } from '../stores/session.ts'
import { Brand } from './brand.tsx'
import { LocaleSelect } from './locale-select.tsx'

export function TopBar({ agent }: { agent: Agent }) {
  const t = useT()
  return (
    <header class="topbar">
      <Brand />
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
