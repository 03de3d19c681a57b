import type { EmbedMessage, FrameMessage, HostMessage } from '../../protocol/embed.ts'

/**
 * widget.js: runs in the host page. Draws the launcher in a Shadow DOM (host CSS cannot reach it),
 * creates the chat iframe at once (hidden while closed, so unread counts and live messages work), and
 * defines the one global, `window.Kefu`. Budget: 2 KB gzip (checked by widget/size.test.ts), so shapes
 * from the iframe are checked by hand here instead of with valibot.
 */
type Stub = ((...args: unknown[]) => void) & { q?: IArguments[] | unknown[][]; v?: number }
type Win = Window & { Kefu?: Stub }

const NARROW = 480
const CHAT_ICON = '<path d="M4 5h16v11H8l-4 4z"/>'
const CLOSE_ICON = '<path d="M6 9l6 6 6-6"/>'

// Hand-minified: every byte here ships to every page view of every host site.
const CSS =
  'div{--c:#2563eb}' +
  'button,iframe{position:fixed;z-index:2147483000;border:0;right:20px}' +
  'button{bottom:20px;width:56px;height:56px;border-radius:50%;background:var(--c);color:#fff;cursor:pointer;box-shadow:0 4px 14px #0004;display:grid;place-items:center;padding:0;transition:.15s}' +
  'button:hover{transform:scale(1.06)}' +
  'svg{width:26px;fill:none;stroke:#fff;stroke-width:2;stroke-linejoin:round;stroke-linecap:round}' +
  'span{position:absolute;top:-3px;right:-3px;min-width:20px;padding:0 5px;box-sizing:border-box;border-radius:10px;background:#ef4444;font:600 12px/20px system-ui,sans-serif}' +
  'span:empty,.o span{display:none}' +
  'iframe{bottom:88px;width:380px;height:min(600px,calc(100% - 108px));border-radius:16px;box-shadow:0 12px 48px #0004;background:#fff;visibility:hidden;opacity:0;transform:translateY(12px);transition:.2s}' +
  '.o iframe{visibility:visible;opacity:1;transform:none}' +
  `@media(max-width:${NARROW - 1}px){.o iframe{inset:0;width:100%;height:100%;border-radius:0}.o button{display:none}}`

const win = window as Win
const doc = document
const script = (doc.currentScript || doc.querySelector('script[data-site]')) as HTMLScriptElement | null
const site = script?.dataset.site

if (script && site && !win.Kefu?.v) {
  const origin = new URL(script.src, location.href).origin
  const storageKey = `kefu:${site}`
  const stub = win.Kefu
  // Listeners live on an EventTarget: one that throws is reported and does not starve the others.
  const bus = new EventTarget()
  const queue: HostMessage[] = []
  let open = false
  let ready = false
  let locale: string | null = null

  const host = doc.createElement('div')
  const root = host.attachShadow({ mode: 'open' })
  root.innerHTML = `<style>${CSS}</style><div><iframe data-testid="kefu-frame" title="Chat"></iframe><button data-testid="kefu-launcher" aria-label="Chat"><svg viewBox="0 0 24 24"></svg><span data-testid="kefu-badge"></span></button></div>`
  const wrap = root.lastChild as HTMLElement
  const frame = wrap.firstChild as HTMLIFrameElement
  const button = wrap.lastChild as HTMLButtonElement
  const icon = button.firstChild as SVGElement
  const badge = button.lastChild as HTMLElement

  const load = (): string | null => {
    try {
      return localStorage.getItem(storageKey)
    } catch {
      return null
    }
  }
  const emit = (name: string, detail?: unknown): void => void bus.dispatchEvent(new CustomEvent(name, { detail }))
  const post = (message: HostMessage): void => {
    if (ready) frame.contentWindow!.postMessage(message, origin)
    else if (queue.length < 50) queue.push(message)
  }
  const setOpen = (next: boolean): void => {
    if (next === open) return
    open = next
    wrap.className = open ? 'o' : ''
    icon.innerHTML = open ? CLOSE_ICON : CHAT_ICON
    button.setAttribute('aria-expanded', String(open))
    post({ type: 'panel', open })
    emit(open ? 'open' : 'close')
    if (open) frame.focus()
  }

  /** The page API. One command per call; unknown commands are ignored. */
  const Kefu: Stub = (command, arg, fn) => {
    switch (command) {
      case 'open':
      case 'close':
        return setOpen(command === 'open')
      case 'toggle':
        return setOpen(!open)
      case 'identify':
        if (typeof (arg as { token?: unknown })?.token === 'string') post({ type: 'identify', token: (arg as { token: string }).token })
        return
      case 'setAttributes':
        if (arg && typeof arg === 'object') post({ type: 'attributes', attributes: arg as Record<string, string> })
        return
      case 'setLocale':
        if (typeof arg === 'string') post({ type: 'locale', locale: (locale = arg) })
        return
      case 'on':
        if (typeof arg === 'string' && typeof fn === 'function') bus.addEventListener(arg, (e) => fn((e as CustomEvent).detail))
    }
  }
  Kefu.v = 1
  win.Kefu = Kefu

  // Every load (also a reload inside the iframe) gets a fresh init carrying the host-page session.
  frame.addEventListener('load', () => {
    ready = true
    frame.contentWindow!.postMessage({ type: 'init', session: load(), open, locale } satisfies HostMessage, origin)
    queue.splice(0).forEach(post)
  })

  addEventListener('message', (event: MessageEvent) => {
    if (event.origin !== origin || event.source !== frame.contentWindow) return
    const m = event.data as FrameMessage
    switch (m && m.type) {
      case 'ready':
        if (/^#[0-9a-f]{3,8}$/i.test((m as { color: string }).color)) wrap.style.setProperty('--c', (m as { color: string }).color)
        return
      case 'session':
        try {
          localStorage.setItem(storageKey, String((m as { token: string }).token))
        } catch {
          /* storage blocked: the iframe's own storage is all we have */
        }
        return
      case 'unread': {
        const count = Number((m as { count: number }).count) || 0
        badge.textContent = count ? String(Math.min(count, 99)) : ''
        return emit('unread', count)
      }
      case 'message':
        return emit('message', (m as { message: EmbedMessage }).message)
      case 'close':
        return setOpen(false)
      case 'error':
        console.warn('Kefu:', (m as { message: string }).message)
        return emit('error', m)
    }
  })

  button.onclick = () => setOpen(!open)
  icon.innerHTML = CHAT_ICON
  frame.src = `${origin}/chat?site=${encodeURIComponent(site)}&embed=1`
  const mount = (): void => {
    doc.body.appendChild(host)
  }
  if (doc.body) mount()
  else doc.addEventListener('DOMContentLoaded', mount)

  // Calls made through the queue stub before this script ran, in order.
  for (const args of stub?.q || []) Kefu(...(args as unknown[]))
}
