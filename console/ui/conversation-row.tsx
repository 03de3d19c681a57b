import { useStore } from '@nanostores/preact'
import { useEffect, useRef, useState } from 'preact/hooks'
import type { Conversation } from '../../protocol/index.ts'
import { useLocale, useT } from '../i18n/use-t.ts'
import { visitorLabel } from '../lib/names.ts'
import { $now, formatAge, formatFull } from '../lib/time.ts'
import { activityOf } from '../stores/conversations.ts'
import { $typing } from '../stores/typing.ts'
import { Avatar } from './avatar.tsx'

/** A row that just got a message (or just appeared) flashes this long. */
const FLASH_MS = 1_600

/** True for a moment after the conversation gets activity while on screen. */
function useFlash(seq: number, activity: number): boolean {
  const [flash, setFlash] = useState(() => Date.now() - activity < FLASH_MS)
  const last = useRef(seq)
  useEffect(() => {
    if (seq > last.current) setFlash(true)
    last.current = seq
  }, [seq])
  useEffect(() => {
    if (!flash) return
    const timer = setTimeout(() => setFlash(false), FLASH_MS)
    return () => clearTimeout(timer)
  }, [flash, seq])
  return flash
}

type Props = {
  conv: Conversation
  unread: number
  selected: boolean
  /** The bot handed it to a person and this agent has not opened it since. */
  handedOff: boolean
  siteName: string | null
  onOpen: (id: string) => void
}

/** Labels shown on a row; the rest are counted ("+2"). */
const LABELS_SHOWN_MAX = 2

export function ConversationRow({ conv, unread, selected, handedOff, siteName, onOpen }: Props) {
  const t = useT()
  const locale = useLocale()
  const now = useStore($now)
  const typing = useStore($typing, { keys: [conv.id] })[conv.id]?.side === 'visitor'
  const name = visitorLabel(conv, t)
  const last = conv.lastMessage
  const activity = activityOf(conv)
  const flash = useFlash(conv.lastSeq, activity)
  const classes = ['row', selected && 'is-selected', unread > 0 && 'is-unread', flash && !selected && 'is-flash', handedOff && 'is-handoff']
    .filter(Boolean)
    .join(' ')
  const prefix = last?.sender === 'agent' ? t('inbox.agent') : last?.sender === 'bot' ? t('inbox.botPrefix') : ''
  const chips = conv.labels.slice(0, LABELS_SHOWN_MAX)
  const moreLabels = conv.labels.length - chips.length

  return (
    <li class="row-item">
    <button
      type="button"
      class={classes}
      data-testid="conv-row"
      data-conv={conv.id}
      data-unread={unread}
      data-status={conv.status}
      data-holder={conv.holder}
      data-handoff={handedOff ? 'true' : undefined}
      aria-current={selected ? 'true' : undefined}
      onClick={() => onOpen(conv.id)}
    >
      <Avatar id={conv.visitorId} name={conv.visitorName} />
      <span class="row-main">
        <span class="row-top">
          <span class="row-name">{name}</span>
          <time class="row-time" dateTime={new Date(activity).toISOString()} title={formatFull(activity, locale)}>
            {formatAge(activity, now, locale)}
          </time>
        </span>
        <span class="row-bottom">
          {typing ? (
            <span class="row-preview is-typing">{t('inbox.typing')}</span>
          ) : (
            <span class={last?.sender === 'system' ? 'row-preview is-system' : 'row-preview'}>
              {last ? prefix + last.text : t('inbox.noMessages')}
            </span>
          )}
          {unread > 0 ? (
            <span class="badge" aria-label={t('inbox.unread', { count: unread })}>
              {unread > 99 ? '99+' : unread}
            </span>
          ) : null}
        </span>
        {handedOff || conv.team || chips.length > 0 || siteName ? (
          <span class="row-chips">
            {handedOff ? (
              <span class="chip chip-handoff" data-testid="row-handoff">
                {t('inbox.handedOff')}
              </span>
            ) : null}
            {conv.team ? <span class="chip chip-team">{t('conv.team', { team: conv.team })}</span> : null}
            {chips.map((label) => (
              <span class="chip" key={label}>
                {label}
              </span>
            ))}
            {moreLabels > 0 ? <span class="chip chip-more">+{moreLabels}</span> : null}
            {siteName ? <span class="row-site">{siteName}</span> : null}
          </span>
        ) : null}
      </span>
    </button>
    </li>
  )
}
