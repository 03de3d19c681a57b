import { useStore } from '@nanostores/preact'
import { useLayoutEffect, useRef, useState } from 'preact/hooks'
import { LIMITS } from '../../protocol/index.ts'
import { useT } from '../i18n/use-t.ts'
import { $conversations } from '../stores/conversations.ts'
import { draftOf, setDraft } from '../stores/drafts.ts'
import { sendReply } from '../stores/outbox.ts'
import { noteDraft, stopTyping } from '../stores/typing.ts'

/** The counter appears when a reply gets this close to the limit. */
const COUNTER_FROM = LIMITS.textMax - 500
/** The textarea grows with its text up to this height, then scrolls. */
const MAX_HEIGHT_PX = 180

export function Composer({ id }: { id: string }) {
  const t = useT()
  // Replying to a conversation the bot holds takes it over (the server does it); say so up front.
  const botHolds = useStore($conversations)[id]?.conv.holder === 'bot'
  const placeholder = botHolds ? t('composer.takesOver') : t('composer.placeholder')
  const [text, setText] = useState(() => draftOf(id))
  const [full, setFull] = useState(false)
  const ref = useRef<HTMLTextAreaElement>(null)
  const tooLong = text.length > LIMITS.textMax
  const canSend = text.trim() !== '' && !tooLong

  useLayoutEffect(() => {
    const el = ref.current
    if (!el) return
    el.style.height = 'auto'
    el.style.height = `${Math.min(el.scrollHeight, MAX_HEIGHT_PX)}px`
  }, [text])

  const update = (value: string) => {
    setText(value)
    setDraft(id, value)
    setFull(false)
    noteDraft(id, value)
  }

  const submit = () => {
    if (!canSend) return
    if (!sendReply(id, text)) return setFull(true)
    stopTyping(id)
    update('')
    ref.current?.focus()
  }

  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault()
        submit()
      }}
    >
      <div class={tooLong ? 'composer-box is-error' : 'composer-box'}>
        <textarea
          ref={ref}
          data-testid="agent-composer"
          rows={1}
          value={text}
          placeholder={placeholder}
          aria-label={placeholder}
          onInput={(e) => update(e.currentTarget.value)}
          onKeyDown={(e) => {
            // While an IME is composing (pinyin), Enter picks a candidate; Safari reports that keydown
            // with isComposing false but keyCode 229.
            if (e.key !== 'Enter' || e.shiftKey || e.isComposing || e.keyCode === 229) return
            e.preventDefault()
            submit()
          }}
          onBlur={() => stopTyping(id)}
        />
        <div class="composer-bar">
          <span class={tooLong ? 'composer-count is-error' : 'composer-count'} aria-live="polite">
            {full ? t('composer.full') : text.length >= COUNTER_FROM ? t('composer.tooLong', { count: text.length, max: LIMITS.textMax }) : ''}
          </span>
          <button type="submit" class="btn btn-primary btn-sm" data-testid="agent-send" disabled={!canSend}>
            {t('composer.send')}
            <svg viewBox="0 0 20 20" width="15" height="15" aria-hidden="true">
              <path fill="currentColor" d="M3.1 2.6a.8.8 0 0 1 .9-.1l13.5 6.8a.8.8 0 0 1 0 1.4L4 17.5a.8.8 0 0 1-1.1-1l2.2-6.5-2.2-6.5a.8.8 0 0 1 .2-.9ZM6.6 10.8l-1.5 4.4L14.9 10 5.1 4.8l1.5 4.4H11a.8.8 0 0 1 0 1.6H6.6Z" />
            </svg>
          </button>
        </div>
      </div>
    </form>
  )
}
