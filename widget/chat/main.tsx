import { render } from 'preact'
import type { SitePublicResponse } from '../../protocol/index.ts'
import { api } from './api.ts'
import { App } from './app.tsx'
import { $open, $unread, identify, setAttributes, start, waitFor, watchLifecycle } from './chat.ts'
import { onHostMessage, postToHost } from './embed.ts'
import { EMBED, SITE } from './env.ts'
import { $locale, setLocale } from './i18n.ts'
import { $site } from './session.ts'
import './styles.css'

let resolveHostToken: (token: string | null) => void = () => {}
const hostToken = new Promise<string | null>((resolve) => (resolveHostToken = resolve))

// Before any loader message is handled: identify and setAttributes queue behind the session.
void start(EMBED ? waitFor(hostToken, null) : Promise.resolve(null))
watchLifecycle()

api<SitePublicResponse>(`/api/sites/${encodeURIComponent(SITE)}/public`).then(
  (res) => $site.set(res.site),
  () => {},
)

onHostMessage((message) => {
  switch (message.type) {
    case 'init':
      $open.set(message.open)
      if (message.locale) setLocale(message.locale)
      resolveHostToken(message.session)
      return
    case 'panel':
      return $open.set(message.open)
    case 'identify':
      return void identify(message.token)
    case 'attributes':
      return void setAttributes(message.attributes)
    case 'locale':
      return setLocale(message.locale)
    default:
      message satisfies never
  }
})

$locale.subscribe((locale) => (document.documentElement.lang = locale))
$site.subscribe((site) => {
  if (!site) return
  document.title = site.name
  if (/^#[0-9a-f]{3,8}$/i.test(site.color)) document.documentElement.style.setProperty('--c', site.color)
  postToHost({ type: 'ready', color: site.color })
})
// Posted once the count settles: a reply arriving in an open panel is read in the same turn, and the
// host page should not see it flash to 1 and back.
let postedUnread = -1
$unread.subscribe(() =>
  queueMicrotask(() => {
    const count = $unread.get()
    if (count !== postedUnread) postToHost({ type: 'unread', count: (postedUnread = count) })
  }),
)

if (EMBED) {
  document.documentElement.classList.add('embed')
  addEventListener('keydown', (e) => e.key === 'Escape' && postToHost({ type: 'close' }))
}

render(<App />, document.getElementById('app')!)
