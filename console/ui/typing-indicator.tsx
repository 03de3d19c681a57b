import { useStore } from '@nanostores/preact'
import { useT } from '../i18n/use-t.ts'
import { $typing } from '../stores/typing.ts'

export function TypingIndicator({ id }: { id: string }) {
  const t = useT()
  const typing = useStore($typing, { keys: [id] })[id]
  return (
    <div class="typing-slot" aria-live="polite">
      {typing?.side === 'visitor' ? (
        <span class="typing" data-testid="agent-typing">
          <span class="typing-dots" aria-hidden="true">
            <i />
            <i />
            <i />
          </span>
          {typing.name ? t('conv.typingNamed', { name: typing.name }) : t('conv.typing')}
        </span>
      ) : null}
    </div>
  )
}
