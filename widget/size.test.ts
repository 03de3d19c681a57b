import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CHAT_BUDGET, LOADER_BUDGET, widgetSizes } from './sizes.ts'

const dist = resolve(import.meta.dirname, '../dist')
const kb = (n: number): string => `${(n / 1024).toFixed(2)} KB`

describe('widget sizes (gzip -9)', () => {
  it(`widget.js stays within ${LOADER_BUDGET} B`, () => {
    const { loader } = widgetSizes(dist)
    console.log(`widget.js ${kb(loader)} gzip (${loader} B, budget ${kb(LOADER_BUDGET)})`)
    expect(loader).toBeLessThanOrEqual(LOADER_BUDGET)
  })

  it(`chat first load (HTML + every JS and CSS it references) stays within ${CHAT_BUDGET} B`, () => {
    const { chat, chatFiles } = widgetSizes(dist)
    console.log(`chat first load ${kb(chat)} gzip (${chat} B, budget ${kb(CHAT_BUDGET)}): ${chatFiles.map(([f, n]) => `${f} ${n} B`).join(', ')}`)
    expect(chat).toBeLessThanOrEqual(CHAT_BUDGET)
  })
})
