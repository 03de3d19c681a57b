import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { gzipSync } from 'node:zlib'

/** The widget's byte budgets (DESIGN.md): the loader runs on every page view of every host site. */
export const LOADER_BUDGET = 2048
export const CHAT_BUDGET = 20480

export type WidgetSizes = {
  /** widget.js, gzip -9. */
  loader: number
  /** The chat app's first load: HTML + every JS and CSS it references, gzip -9. */
  chat: number
  chatFiles: (readonly [string, number])[]
}

const gz = (path: string): number => gzipSync(readFileSync(path), { level: 9 }).length

function built(path: string): string {
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` first`)
  return path
}

/** Measures what `npm run build` put in `dist` (used by size.test.ts and the benchmark). */
export function widgetSizes(dist: string): WidgetSizes {
  const loader = gz(built(resolve(dist, 'widget.js')))
  const htmlPath = built(resolve(dist, 'chat/index.html'))
  const html = readFileSync(htmlPath, 'utf8')
  const refs = [...html.matchAll(/(?:src|href)="\/chat\/([^"]+\.(?:js|css))"/g)].map((m) => m[1]!)
  if (!refs.some((r) => r.endsWith('.js'))) throw new Error('chat/index.html references no script')
  const files = [htmlPath, ...refs.map((r) => built(resolve(dist, 'chat', r)))]
  const chatFiles = files.map((f) => [f.slice(dist.length + 1), gz(f)] as const)
  return { loader, chat: chatFiles.reduce((sum, [, n]) => sum + n, 0), chatFiles }
}
