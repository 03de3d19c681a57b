/** Where the app runs: `/chat?site=KEY` (WebView, full screen) or `&embed=1` (iframe of widget.js). */
const params = new URLSearchParams(location.search)

export const SITE = params.get('site') ?? ''
export const EMBED = params.get('embed') === '1' && window.parent !== window

/** Same origin as the app; tokens go in `hello`, never in the URL. */
export const wsUrl = (): string =>
  `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws?site=${encodeURIComponent(SITE)}`
