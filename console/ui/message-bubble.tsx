import type { BotTurn, Message } from '../../protocol/index.ts'
import { useLocale, useT } from '../i18n/use-t.ts'
import { formatClock, formatFull } from '../lib/time.ts'
import { describeTurn } from '../lib/why.ts'
import { discardReply, retryReply, type Pending } from '../stores/outbox.ts'
import { RichText } from './rich-text.tsx'

type Props = {
  msg: Message
  mine: boolean
  first: boolean
  status: 'sent' | 'seen' | null
  /** What the bot made of this visitor message, if it answered it. */
  turn?: BotTurn | undefined
}

export function MessageBubble({ msg, mine, first, status, turn }: Props) {
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
  const bot = msg.sender === 'bot'
  const author = msg.sender === 'visitor' ? msg.senderName : mine ? t('msg.you') : bot ? msg.senderName || t('msg.bot') : msg.senderName
  return (
    <div
      class={`msg msg-${side}${bot ? ' msg-bot' : ''}${first ? ' is-first' : ''}`}
      data-testid="agent-message"
      data-sender={msg.sender}
      data-state="sent"
      data-seq={msg.seq}
      data-mine={mine ? 'true' : undefined}
    >
      {first ? (
        <div class="msg-meta">
          {author ? <span class="msg-author">{author}</span> : null}
          {bot ? <span class="bot-tag">{t('msg.bot')}</span> : null}
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
      {turn ? <WhyLine turn={turn} /> : null}
    </div>
  )
}

/** Under a visitor message the bot answered: what it understood, what it did, which script. */
function WhyLine({ turn }: { turn: BotTurn }) {
  const t = useT()
  const locale = useLocale()
  return (
    <div class="why" data-testid="why" title={t('why.label')}>
      <svg class="why-icon" viewBox="0 0 20 20" width="13" height="13" aria-label={t('why.label')}>
        <path
          fill="currentColor"
          d="M10 1.5a1 1 0 0 1 1 1V4h3.5A2.5 2.5 0 0 1 17 6.5v7a2.5 2.5 0 0 1-2.5 2.5h-9A2.5 2.5 0 0 1 3 13.5v-7A2.5 2.5 0 0 1 5.5 4H9V2.5a1 1 0 0 1 1-1ZM7.5 8.25a1.25 1.25 0 1 0 0 2.5 1.25 1.25 0 0 0 0-2.5Zm5 0a1.25 1.25 0 1 0 0 2.5 1.25 1.25 0 0 0 0-2.5ZM7 12.5a.75.75 0 0 0 0 1.5h6a.75.75 0 0 0 0-1.5H7Z"
        />
      </svg>
      {describeTurn(turn, t, locale).map((part) => (
        <span key={part.kind} class={`why-part why-${part.kind}`} data-kind={part.kind}>
          {part.text}
        </span>
      ))}
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
