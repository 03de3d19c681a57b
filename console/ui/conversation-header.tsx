import { useStore } from '@nanostores/preact'
import { useState } from 'preact/hooks'
import type { Site } from '../../protocol/index.ts'
import { useLocale, useT } from '../i18n/use-t.ts'
import { visitorLabel } from '../lib/names.ts'
import { formatClock, formatFull } from '../lib/time.ts'
import { reasonText } from '../lib/why.ts'
import { $conversations } from '../stores/conversations.ts'
import { $details, $statusAction, changeStatus } from '../stores/details.ts'
import { openConversation } from '../stores/live.ts'
import { Avatar } from './avatar.tsx'

/** Up to this many visitor attributes are shown without a click. */
const ATTRS_SHOWN_MAX = 6

export function ConversationHeader({ id, sites }: { id: string; sites: readonly Site[] }) {
  const t = useT()
  const locale = useLocale()
  const entry = useStore($conversations)[id]
  const details = useStore($details, { keys: [id] })[id]
  const action = useStore($statusAction, { keys: [id] })[id]
  const [expanded, setExpanded] = useState<boolean | null>(null)
  const conv = entry?.conv
  const visitor = details?.visitor ?? null

  const name = conv ? visitorLabel({ visitorId: conv.visitorId, visitorName: visitor?.name ?? conv.visitorName }, t) : '…'
  const site = sites.length > 1 && conv ? sites.find((s) => s.key === conv.site)?.name : null
  const facts = [visitor?.email, visitor?.userId ? t('conv.userId', { id: visitor.userId }) : null, site].filter(Boolean)
  const attrs = Object.entries(visitor?.attributes ?? {})
  // A few attributes show at once; a long list waits for a click.
  const showAttrs = expanded ?? attrs.length <= ATTRS_SHOWN_MAX
  const open = conv?.status === 'open'
  // Handing back makes sense where the bot took part (a site without a script answers 409).
  const botInvolved = conv ? conv.variant !== null || conv.handoff !== null : false
  const busy = action?.busy === true

  return (
    <header class="conv-head">
      <div class="conv-head-main">
        <button type="button" class="icon-btn back-btn" aria-label={t('conv.back')} onClick={() => openConversation(null)}>
          <svg viewBox="0 0 20 20" width="18" height="18" aria-hidden="true">
            <path fill="currentColor" d="M12.7 4.3a1 1 0 0 1 0 1.4L8.4 10l4.3 4.3a1 1 0 0 1-1.4 1.4l-5-5a1 1 0 0 1 0-1.4l5-5a1 1 0 0 1 1.4 0Z" />
          </svg>
        </button>
        {conv ? <Avatar id={conv.visitorId} name={visitor?.name ?? conv.visitorName} size="lg" /> : null}
        <div class="conv-who">
          <div class="conv-name-line">
            <h2 class="conv-name" data-testid="conv-name">
              {name}
            </h2>
            {conv ? (
              <span class={`status status-${conv.status}`} data-testid="conv-status">
                {conv.status === 'open' ? t('conv.status.open') : t('conv.status.resolved')}
              </span>
            ) : null}
            {conv && open && (conv.holder === 'bot' || botInvolved) ? (
              <span class={`status holder-${conv.holder}`} data-testid="conv-holder" data-holder={conv.holder}>
                {conv.holder === 'bot' ? t('holder.bot') : t('holder.human')}
              </span>
            ) : null}
          </div>
          <p class="conv-facts">
            {facts.length > 0 ? facts.join(' · ') : visitor || details?.loading === false ? t('conv.anonymous') : '\u00a0'}
            {attrs.length > 0 ? (
              <button type="button" class="link-btn conv-attrs-toggle" aria-expanded={showAttrs} onClick={() => setExpanded(!showAttrs)}>
                {showAttrs ? t('conv.hideAttributes') : t('conv.showAttributes', { count: attrs.length })}
              </button>
            ) : null}
          </p>
        </div>
        <div class="conv-actions">
          {action?.failed ? (
            <span class="conv-action-error" role="alert">
              {t('conv.actionFailed')}
            </span>
          ) : null}
          {open && conv?.holder === 'bot' ? (
            <button type="button" class="btn btn-bot btn-sm" data-testid="takeover" disabled={busy} onClick={() => void changeStatus(id, 'takeover')}>
              {t('holder.takeover')}
            </button>
          ) : null}
          {open && conv?.holder === 'human' && botInvolved ? (
            <button type="button" class="btn btn-sm" data-testid="handback" disabled={busy} onClick={() => void changeStatus(id, 'handback')}>
              {t('holder.handback')}
            </button>
          ) : null}
          {conv?.status === 'open' ? (
            <button type="button" class="btn btn-primary btn-sm" data-testid="resolve" disabled={busy} onClick={() => void changeStatus(id, 'resolve')}>
              <svg viewBox="0 0 20 20" width="16" height="16" aria-hidden="true">
                <path fill="currentColor" d="M16.7 5.3a1 1 0 0 1 0 1.4l-8 8a1 1 0 0 1-1.4 0l-4-4a1 1 0 1 1 1.4-1.4L8 12.6l7.3-7.3a1 1 0 0 1 1.4 0Z" />
              </svg>
              {t('conv.resolve')}
            </button>
          ) : null}
          {conv?.status === 'resolved' ? (
            <button type="button" class="btn btn-sm" data-testid="reopen" disabled={action?.busy} onClick={() => void changeStatus(id, 'reopen')}>
              {t('conv.reopen')}
            </button>
          ) : null}
        </div>
      </div>
      {conv && (conv.handoff || conv.team || conv.labels.length > 0 || conv.rating !== null) ? (
        <div class="conv-bot" data-testid="conv-bot">
          {conv.handoff ? (
            <span class="chip chip-handoff" data-testid="conv-handoff" title={formatFull(conv.handoff.at, locale)}>
              {t('holder.handedOff', { time: formatClock(conv.handoff.at, locale), reason: reasonText(conv.handoff.reason, t) })}
            </span>
          ) : null}
          {conv.team ? <span class="chip chip-team">{t('conv.team', { team: conv.team })}</span> : null}
          {conv.labels.map((label) => (
            <span class="chip" key={label}>
              {label}
            </span>
          ))}
          {conv.rating !== null ? (
            <span class="chip chip-rating" data-testid="conv-rating">
              {'★'.repeat(conv.rating)} {t('conv.rating', { score: conv.rating })}
            </span>
          ) : null}
        </div>
      ) : null}
      {showAttrs && attrs.length > 0 ? (
        <dl class="attrs" data-testid="conv-attributes">
          {attrs.map(([key, value]) => (
            <div class="attr" key={key}>
              <dt>{key}</dt>
              <dd>{String(value)}</dd>
            </div>
          ))}
        </dl>
      ) : null}
    </header>
  )
}
