import type { Site } from '../../protocol/index.ts'
import { useT } from '../i18n/use-t.ts'
import { Composer } from './composer.tsx'
import { ConversationHeader } from './conversation-header.tsx'
import { MessageList } from './message-list.tsx'
import { TypingIndicator } from './typing-indicator.tsx'

export function ConversationPane({ id, sites }: { id: string | null; sites: readonly Site[] }) {
  const t = useT()
  if (!id) {
    return (
      <section class="pane pane-empty">
        <div class="pane-empty-inner">
          <svg viewBox="0 0 64 64" width="56" height="56" aria-hidden="true">
            <rect x="6" y="12" width="36" height="26" rx="6" fill="currentColor" opacity=".18" />
            <rect x="22" y="24" width="36" height="26" rx="6" fill="currentColor" opacity=".35" />
            <path d="M30 56l6-6h-8z" fill="currentColor" opacity=".35" />
          </svg>
          <h2>{t('conv.select.title')}</h2>
          <p>{t('conv.select.hint')}</p>
        </div>
      </section>
    )
  }
  return (
    <section class="pane" key={id} aria-label={id}>
      <ConversationHeader id={id} sites={sites} />
      <MessageList id={id} />
      <TypingIndicator id={id} />
      <Composer id={id} />
    </section>
  )
}
