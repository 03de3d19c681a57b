import { useStore } from '@nanostores/preact'
import { useT } from '../i18n/use-t.ts'
import { $everConnected, $socketState, checkSocket } from '../stores/socket.ts'

/** Shown while the socket is not connected; replies typed meanwhile wait in the outbox. */
export function ConnectionBanner() {
  const state = useStore($socketState)
  const ever = useStore($everConnected)
  const t = useT()
  if (state === 'connected' || state === 'idle') return null
  return (
    <div class={ever ? 'conn-banner is-lost' : 'conn-banner'} role="status" data-testid="agent-conn-banner" data-state={state}>
      <span class="spinner spinner-sm" aria-hidden="true" />
      <span>{ever ? t('conn.reconnecting') : t('conn.connecting')}</span>
      {ever ? (
        <button type="button" class="link-btn" onClick={checkSocket}>
          {t('conn.retry')}
        </button>
      ) : null}
    </div>
  )
}
