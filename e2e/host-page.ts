import { createServer, type Server } from 'node:http'
import { freePort } from './kefu-process.ts'

export type HostPage = { url: string; close(): Promise<void> }

/**
 * A company's website on its own origin (another port), embedding Kefu with the documented snippet.
 * `before` runs before the loader is fetched (queue stub present), `after` runs after it.
 */
export async function startHostPage(kefuUrl: string, opts: { before?: string; after?: string; site?: string } = {}): Promise<HostPage> {
  const port = await freePort()
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>Shop</title>
<script>window.Kefu=window.Kefu||function(){(Kefu.q=Kefu.q||[]).push(arguments)}</script>
<script>window.events=[];${opts.before ?? ''}</script>
<script src="${kefuUrl}/widget.js" data-site="${opts.site ?? 'demo'}" async></script>
<style>body{font-family:sans-serif;margin:40px} h1{color:#0f172a}</style></head>
<body><h1>Host shop</h1><p>A page on another origin.</p><a id="next" href="/other">next page</a>
<script>${opts.after ?? ''}</script></body></html>`
  const server: Server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end(html)
  })
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => server.close(() => r())),
  }
}
