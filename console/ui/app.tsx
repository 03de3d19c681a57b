import { useStore } from '@nanostores/preact'
import { useEffect } from 'preact/hooks'
import { useLocale, useT } from '../i18n/use-t.ts'
import { $session } from '../stores/session.ts'
import { LoginScreen } from './login-screen.tsx'
import { Workspace } from './workspace.tsx'

export function App() {
  const session = useStore($session)
  const t = useT()
  const locale = useLocale()
  useEffect(() => {
    document.documentElement.lang = locale
  }, [locale])

  if (session.state === 'loading') {
    return (
      <div class="splash" aria-busy="true">
        <span class="spinner" />
        <span>{t('app.loading')}</span>
      </div>
    )
  }
  if (session.state === 'signed-out') return <LoginScreen expired={session.expired} />
  return <Workspace agent={session.agent} sites={session.sites} />
}
