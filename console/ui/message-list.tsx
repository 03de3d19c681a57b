import { useStore } from '@nanostores/preact'
import { useLayoutEffect, useMemo, useRef } from 'preact/hooks'
import { useLocale, useT } from '../i18n/use-t.ts'
import { $now, formatDay } from '../lib/time.ts'
import { threadRows } from '../lib/thread-view.ts'
import { $botTurns, turnsByMessage } from '../stores/bot-turns.ts'
import { $conversations } from '../stores/conversations.ts'
import { $me } from '../stores/live.ts'
import { $outbox } from '../stores/outbox.ts'
import { $session } from '../stores/session.ts'
import { $threads, loadOlder, retryThread } from '../stores/threads.ts'
import { MessageBubble, PendingBubble } from './message-bubble.tsx'

/** Within this many pixels of the bottom, new messages keep the view pinned to the bottom. */
const STICK_PX = 80

export function MessageList({ id }: { id: string }) {
  const t = useT()
  const locale = useLocale()
  const now = useStore($now)
  const thread = useStore($threads, { keys: [id] })[id]
  const outbox = useStore($outbox)
  const conv = useStore($conversations)[id]?.conv
  const me = useStore($me)
  const session = useStore($session)
  const myId = me ?? (session.state === 'signed-in' ? session.agent.id : '')
  const items = thread?.items ?? []
  const pending = useMemo(() => outbox.filter((p) => p.conv === id), [outbox, id])
  const rows = useMemo(() => threadRows(items, pending, myId, conv?.visitorReadSeq ?? 0), [items, pending, myId, conv?.visitorReadSeq])
  const turns = useStore($botTurns, { keys: [id] })[id]
  const turnOf = useMemo(() => turnsByMessage(turns?.items ?? []), [turns])

  const ref = useRef<HTMLDivElement>(null)
  const stick = useRef(true)
  const anchor = useRef<{ first: string | undefined; height: number }>({ first: undefined, height: 0 })
  const pendingCount = useRef(0)

  useLayoutEffect(() => {
    const el = ref.current
    if (!el) return
    const first = items[0]?.id
    const prev = anchor.current
    if (pending.length > pendingCount.current) stick.current = true // our own reply: always show it
    pendingCount.current = pending.length
    if (prev.first && first !== prev.first && !stick.current) {
      el.scrollTop += el.scrollHeight - prev.height // older page prepended: keep the reader's place
    } else if (stick.current) {
      el.scrollTop = el.scrollHeight
    }
    anchor.current = { first, height: el.scrollHeight }
  }, [rows, turnOf])

  // The pane changes size (details opened, window resized, composer grew): stay pinned if we were.
  useLayoutEffect(() => {
    const el = ref.current
    if (!el || typeof ResizeObserver === 'undefined') return
    const observer = new ResizeObserver(() => {
      if (stick.current) el.scrollTop = el.scrollHeight
    })
    observer.observe(el)
    return () => observer.disconnect()
  }, [])

  const onScroll = () => {
    const el = ref.current
    if (el) stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < STICK_PX
  }

  return (
    <div class="thread" ref={ref} onScroll={onScroll} data-testid="thread">
      <div class="thread-inner">
        {thread?.hasOlder ? (
          <button type="button" class="btn btn-sm thread-older" disabled={thread.loading} onClick={() => void loadOlder(id)}>
            {t('conv.loadEarlier')}
          </button>
        ) : null}
        {thread?.loading && items.length === 0 ? (
          <div class="thread-note">
            <span class="spinner spinner-sm" aria-hidden="true" /> {t('conv.loading')}
          </div>
        ) : null}
        {thread?.failed ? (
          <div class="thread-note is-error">
            {t('conv.loadFailed')}{' '}
            <button type="button" class="link-btn" onClick={() => void retryThread(id)}>
              {t('conv.retry')}
            </button>
          </div>
        ) : null}
        {thread?.loaded && rows.length === 0 ? <div class="thread-note">{t('conv.empty')}</div> : null}
        {rows.map((row) => {
          if (row.kind === 'day') {
            return (
              <div class="day-sep" key={row.key}>
                <span>{formatDay(row.ts, now, locale)}</span>
              </div>
            )
          }
          if (row.kind === 'pending') return <PendingBubble key={row.key} pending={row.pending} first={row.first} />
          return <MessageBubble key={row.key} msg={row.msg} mine={row.mine} first={row.first} status={row.status} turn={turnOf.get(row.msg.id)} />
        })}
      </div>
    </div>
  )
}
