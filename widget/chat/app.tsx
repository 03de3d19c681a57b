import { useStore } from './use-store.ts'
import { useLayoutEffect, useRef, useState } from 'preact/hooks'
import { LIMITS, type Conversation } from '../../protocol/index.ts'
import { $connection, $convs, $messages, $open, $typing, outbox, rate, send, stopTyping, typing } from './chat.ts'
import { postToHost } from './embed.ts'
import { EMBED } from './env.ts'
import { $locale, $t, formatDay, formatTime } from './i18n.ts'
import { linkify } from './linkify.ts'
import { isReply } from './messages.ts'
import { $site } from './session.ts'
import { buildTimeline, type Row } from './timeline.ts'

/** Thin components: they read stores with useStore and call the actions beside them. */
export function App() {
  const open = useStore($open)
  return (
    <main class="app" hidden={!open}>
      <Header />
      <Banner />
      <Timeline />
      <Composer />
    </main>
  )
}

function Header() {
  const site = useStore($site)
  const t = useStore($t)
  // Before the site settings arrive (or if they never do), a neutral title rather than an empty bar.
  const name = site?.name || t.agent
  return (
    <header class="head">
      <div class="avatar" aria-hidden="true">
        {name.slice(0, 1).toUpperCase()}
      </div>
      <div>
        <h1>{name}</h1>
        <p>{t.replyTime}</p>
      </div>
      {EMBED && (
        <button class="close" aria-label={t.close} title={t.close} onClick={() => postToHost({ type: 'close' })}>
          <svg viewBox="0 0 24 24" aria-hidden="true">
            <path d="M6 9l6 6 6-6" />
          </svg>
        </button>
      )}
    </header>
  )
}

/** Shown only after a short grace, so a normal connect never flashes it. */
const BANNER_DELAY_MS = 1200

function Banner() {
  const state = useStore($connection)
  const t = useStore($t)
  const [late, setLate] = useState(false)
  useLayoutEffect(() => {
    if (state === 'connected') return setLate(false)
    const timer = setTimeout(() => setLate(true), BANNER_DELAY_MS)
    return () => clearTimeout(timer)
  }, [state === 'connected'])
  if (state === 'connected' || !late) return null
  return (
    <div class="banner" role="status" data-testid="conn-banner">
      <span class="spin" aria-hidden="true" />
      {navigator.onLine === false ? t.offline : t.reconnecting}
    </div>
  )
}

function Timeline() {
  const convs = useStore($convs)
  const messages = useStore($messages)
  const pending = useStore(outbox.$items)
  const who = useStore($typing)
  const open = useStore($open)
  const t = useStore($t)
  const locale = useStore($locale)
  const site = useStore($site)
  const rows = buildTimeline(convs, messages, pending)
  const list = useRef<HTMLDivElement>(null)
  const stick = useRef(true)
  // The newest conversation, unless a message is waiting to open the next one.
  const last = convs[rows.at(-1)?.conv!]

  // Follow new messages unless the visitor scrolled up to read older ones.
  useLayoutEffect(() => {
    const el = list.current
    if (el && stick.current) el.scrollTop = el.scrollHeight
  }, [rows.length, who, open, last])

  return (
    <div
      class="list"
      role="log"
      aria-live="polite"
      ref={list}
      onScroll={(e) => {
        const el = e.currentTarget
        stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 60
      }}
    >
      <div class="intro">
        <div class="bubble agent">{site?.greeting || t.greeting}</div>
        {!rows.length && <p>{t.empty}</p>}
      </div>
      {rows.map((row) => (
        <MessageRow key={row.key} row={row} locale={locale} />
      ))}
      {last?.status === 'resolved' && <Rating conv={last} />}
      {who && (
        <div class="row agent first last" data-testid="typing" aria-label={t.typing(who.name)}>
          <div class="bubble agent dots">
            <i />
            <i />
            <i />
          </div>
          <div class="meta">{t.typing(who.name)}</div>
        </div>
      )}
    </div>
  )
}

function MessageRow({ row, locale }: { row: Row; locale: 'en' | 'zh-CN' }) {
  const t = $t.get()
  const mine = row.sender === 'visitor'
  return (
    <>
      {row.newDay && <div class="day">{formatDay(row.ts, locale, t.today)}</div>}
      <div class={`row ${row.sender}${row.first ? ' first' : ''}${row.last ? ' last' : ''}`}>
        {isReply(row) && row.first && <div class="name">{row.name || (row.sender === 'bot' ? t.bot : t.agent)}</div>}
        <div
          class={`bubble ${row.sender}`}
          data-testid="message"
          data-sender={row.sender}
          data-status={row.status ?? undefined}
          data-seq={row.seq ?? undefined}
          data-cid={row.cid}
        >
          {linkify(row.text).map((part) =>
            typeof part === 'string' ? (
              part
            ) : (
              <a href={part.href} target="_blank" rel="noopener noreferrer">
                {part.text}
              </a>
            ),
          )}
        </div>
        {(row.last || row.showStatus) && (
          <div class="meta">
            {row.last && <time>{formatTime(row.ts, locale)}</time>}
            {mine && row.showStatus && <Status row={row} />}
          </div>
        )}
      </div>
    </>
  )
}

/** After a resolve (by an agent or the bot), as Intercom does: 1–5 stars, then thanks. */
function Rating({ conv }: { conv: Conversation }) {
  const t = $t.get()
  return (
    <div class="rate" data-testid="rating">
      {conv.rating ? (
        <>
          <b>{'★'.repeat(conv.rating)}</b> {t.thanks}
        </>
      ) : (
        <>
          {t.rate}
          <div>
            {[1, 2, 3, 4, 5].map((n) => (
              <button aria-label={`${n}/5`} onClick={() => rate(conv.id, n)}>
                ★
              </button>
            ))}
          </div>
        </>
      )}
    </div>
  )
}

function Status({ row }: { row: Row }) {
  const t = $t.get()
  switch (row.status) {
    case 'sending':
      return <span>{t.sending}</span>
    case 'failed':
      return (
        <button class="failed" onClick={() => outbox.retry(row.cid)}>
          {t.failed}
        </button>
      )
    case 'read':
      return <span class="read">✓✓ {t.read}</span>
    case 'delivered':
      return <span>✓ {t.delivered}</span>
    default:
      return null
  }
}

/** Enter sends, Shift+Enter is a newline, and Enter that confirms an IME composition (Chinese) never sends. */
function Composer() {
  const t = useStore($t)
  const open = useStore($open)
  const [text, setText] = useState('')
  const area = useRef<HTMLTextAreaElement>(null)

  useLayoutEffect(() => {
    const el = area.current
    // While the panel is closed the app is display:none and every height reads 0.
    if (!el || !open) return
    el.style.height = 'auto'
    el.style.height = `${Math.min(el.scrollHeight, 120)}px`
  }, [text, open])

  // Opening the panel with a mouse puts the caret in the composer; on touch it would pop the keyboard.
  useLayoutEffect(() => {
    if (open && EMBED && matchMedia('(pointer: fine)').matches) area.current?.focus()
  }, [open])

  const submit = () => {
    if (!text.trim()) return
    send(text)
    setText('')
    area.current?.focus()
  }

  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault()
        submit()
      }}
    >
      <textarea
        ref={area}
        data-testid="composer"
        rows={1}
        value={text}
        maxLength={LIMITS.textMax}
        placeholder={t.placeholder}
        aria-label={t.placeholder}
        enterkeyhint="send"
        onInput={(e) => {
          setText(e.currentTarget.value)
          if (e.currentTarget.value) typing()
        }}
        onBlur={stopTyping}
        onKeyDown={(e) => {
          // keyCode 229: Safari reports the IME's Enter with isComposing already false.
          if (e.key !== 'Enter' || e.shiftKey || e.isComposing || e.keyCode === 229) return
          e.preventDefault()
          submit()
        }}
      />
      <button type="submit" class="send" data-testid="send" aria-label={t.send} title={t.send} disabled={!text.trim()}>
        <svg viewBox="0 0 24 24" aria-hidden="true">
          <path d="M4 12l16-8-6 16-2-7z" />
        </svg>
      </button>
    </form>
  )
}
