import { useStore } from '@nanostores/preact'
import { useT } from '../i18n/use-t.ts'
import { visitorLabel } from '../lib/names.ts'
import { reasonText } from '../lib/why.ts'
import { $conversations } from '../stores/conversations.ts'
import { $toasts, dismissToast } from '../stores/handoffs.ts'
import { openConversation } from '../stores/live.ts'
import { showInbox } from '../stores/view.ts'

/** Hand-offs from the bot, bottom left, until opened, dismissed or timed out. */
export function HandoffToasts() {
  const t = useT()
  const toasts = useStore($toasts)
  const entries = useStore($conversations)
  if (toasts.length === 0) return null
  return (
    <div class="toasts" role="status" aria-live="polite">
      {toasts.map((h) => {
        const conv = entries[h.conv]?.conv
        const name = conv ? visitorLabel(conv, t) : '…'
        return (
          <div class="toast" key={h.conv} data-testid="handoff-toast" data-conv={h.conv}>
            <div class="toast-body">
              <strong>{t('handoff.title', { name })}</strong>
              <span>{reasonText(h.reason, t)}</span>
            </div>
            <div class="toast-actions">
              <button
                type="button"
                class="btn btn-primary btn-sm"
                data-testid="handoff-open"
                onClick={() => {
                  showInbox()
                  openConversation(h.conv)
                }}
              >
                {t('handoff.open')}
              </button>
              <button type="button" class="icon-btn" aria-label={t('handoff.dismiss')} title={t('handoff.dismiss')} onClick={() => dismissToast(h.conv)}>
                <svg viewBox="0 0 20 20" width="14" height="14" aria-hidden="true">
                  <path fill="currentColor" d="M5.3 5.3a1 1 0 0 1 1.4 0L10 8.6l3.3-3.3a1 1 0 1 1 1.4 1.4L11.4 10l3.3 3.3a1 1 0 0 1-1.4 1.4L10 11.4l-3.3 3.3a1 1 0 0 1-1.4-1.4L8.6 10 5.3 6.7a1 1 0 0 1 0-1.4Z" />
                </svg>
              </button>
            </div>
          </div>
        )
      })}
    </div>
  )
}
