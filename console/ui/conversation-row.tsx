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
  siteName: string | null
  onOpen: (id: string) => void
}

export function ConversationRow({ conv, unread, selected, siteName, onOpen }: Props) {
  const t = useT()
  const locale = useLocale()
  const now = useStore($now)
  const typing = useStore($typing, { keys: [conv.id] })[conv.id]?.side === 'visitor'
  const name = visitorLabel(conv, t)
  const last = conv.lastMessage
  const activity = activityOf(conv)
  const flash = useFlash(conv.lastSeq, activity)
  const classes = ['row', selected && 'is-selected', unread > 0 && 'is-unread', flash && !selected && 'is-flash'].filter(Boolean).join(' ')

  return (
    <li class="row-item">
    <button
      type="button"
      class={classes}
      data-testid="conv-row"
      data-conv={conv.id}
      data-unread={unread}
      data-status={conv.status}
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
              {last ? (last.sender === 'agent' ? t('inbox.agent') : '') + last.text : t('inbox.noMessages')}
            </span>
          )}
          {unread > 0 ? (
            <span class="badge" aria-label={t('inbox.unread', { count: unread })}>
              {unread > 99 ? '99+' : unread}
            </span>
          ) : null}
        </span>
        {siteName ? <span class="row-site">{siteName}</span> : null}
      </span>
    </button>
    </li>
  )
}
