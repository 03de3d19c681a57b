/** Where the app runs: `/chat?site=KEY` (WebView, full screen) or `&embed=1` (iframe of widget.js). */
const inBrowser = typeof window !== 'undefined'
const params = new URLSearchParams(inBrowser ? location.search : '')

export const SITE = params.get('site') ?? ''
export const EMBED = inBrowser && params.get('embed') === '1' && window.parent !== window

/** Same origin as the app; tokens go in `hello`, never in the URL. */
export const wsUrl = (): string =>
  `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws?site=${encodeURIComponent(SITE)}`
