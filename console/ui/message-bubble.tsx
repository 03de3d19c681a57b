import type { Message } from '../../protocol/index.ts'
import { useLocale, useT } from '../i18n/use-t.ts'
import { formatClock, formatFull } from '../lib/time.ts'
import { discardReply, retryReply, type Pending } from '../stores/outbox.ts'
import { RichText } from './rich-text.tsx'

type Props = { msg: Message; mine: boolean; first: boolean; status: 'sent' | 'seen' | null }

export function MessageBubble({ msg, mine, first, status }: Props) {
  const t = useT()
  const locale = useLocale()
  if (msg.sender === 'system') {
    return (
      <div class="msg-system" data-testid="agent-message" data-sender="system" data-seq={msg.seq}>
        <RichText text={msg.text} />
      </div>
    )
  }
  const side = msg.sender === 'visitor' ? 'in' : 'out'
  const author = msg.sender === 'visitor' ? msg.senderName : mine ? t('msg.you') : msg.senderName
  return (
    <div
      class={`msg msg-${side}${first ? ' is-first' : ''}`}
      data-testid="agent-message"
      data-sender={msg.sender}
      data-state="sent"
      data-seq={msg.seq}
      data-mine={mine ? 'true' : undefined}
    >
      {first ? (
        <div class="msg-meta">
          {author ? <span class="msg-author">{author}</span> : null}
          <time dateTime={new Date(msg.ts).toISOString()} title={formatFull(msg.ts, locale)}>
            {formatClock(msg.ts, locale)}
          </time>
        </div>
      ) : null}
      <div class="bubble" title={first ? undefined : formatFull(msg.ts, locale)}>
        <RichText text={msg.text} />
      </div>
      {status ? (
        <div class={`msg-status is-${status}`} data-testid="agent-message-status">
          {status === 'seen' ? t('msg.seen') : t('msg.sent')}
        </div>
      ) : null}
    </div>
  )
}

export function PendingBubble({ pending, first }: { pending: Pending; first: boolean }) {
  const t = useT()
  const failed = pending.state === 'failed'
  return (
    <div
      class={`msg msg-out is-pending${failed ? ' is-failed' : ''}${first ? ' is-first' : ''}`}
      data-testid="agent-message"
      data-sender="agent"
      data-state={pending.state}
      data-mine="true"
    >
      {first ? (
        <div class="msg-meta">
          <span class="msg-author">{t('msg.you')}</span>
        </div>
      ) : null}
      <div class="bubble">
        <RichText text={pending.text} />
      </div>
      <div class="msg-status" role={failed ? 'alert' : undefined}>
        {failed ? (
          <>
            <span class="msg-failed">{t('msg.failed')}</span>
            <button type="button" class="link-btn" onClick={() => retryReply(pending.cid)}>
              {t('msg.retry')}
            </button>
            <button type="button" class="link-btn" onClick={() => discardReply(pending.cid)}>
              {t('msg.discard')}
            </button>
          </>
        ) : (
          t('msg.sending')
        )}
      </div>
    </div>
  )
}
