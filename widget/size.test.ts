import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'

/** The widget's byte budgets (DESIGN.md): the loader runs on every page view of every host site. */
const LOADER_BUDGET = 2048
const CHAT_BUDGET = 20480

const dist = resolve(import.meta.dirname, '../dist')
const gz = (path: string): number => gzipSync(readFileSync(path), { level: 9 }).length
const kb = (n: number): string => `${(n / 1024).toFixed(2)} KB`

function built(path: string): string {
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` first`)
  return path
}

describe('widget sizes (gzip -9)', () => {
  it(`widget.js stays within ${LOADER_BUDGET} B`, () => {
    const size = gz(built(resolve(dist, 'widget.js')))
    console.log(`widget.js ${kb(size)} gzip (${size} B, budget ${kb(LOADER_BUDGET)})`)
    expect(size).toBeLessThanOrEqual(LOADER_BUDGET)
  })

  it(`chat first load (HTML + every JS and CSS it references) stays within ${CHAT_BUDGET} B`, () => {
    const htmlPath = built(resolve(dist, 'chat/index.html'))
    const html = readFileSync(htmlPath, 'utf8')
    const refs = [...html.matchAll(/(?:src|href)="\/chat\/([^"]+\.(?:js|css))"/g)].map((m) => m[1]!)
    expect(refs.some((r) => r.endsWith('.js'))).toBe(true)
    const files = [htmlPath, ...refs.map((r) => built(resolve(dist, 'chat', r)))]
    const sizes = files.map((f) => [f.slice(dist.length + 1), gz(f)] as const)
    const total = sizes.reduce((sum, [, n]) => sum + n, 0)
    console.log(`chat first load ${kb(total)} gzip (${total} B, budget ${kb(CHAT_BUDGET)}): ${sizes.map(([f, n]) => `${f} ${n} B`).join(', ')}`)
    expect(total).toBeLessThanOrEqual(CHAT_BUDGET)
  })
})
