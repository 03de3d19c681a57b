import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { CHROMIUM_PATH } from './browser.ts'

/** Browser tests need the built apps and a system Chromium; say so plainly when either is missing. */
export default function setup(): void {
  const root = resolve(import.meta.dirname, '..')
  for (const file of ['dist/widget.js', 'dist/chat/index.html', 'dist/console/index.html']) {
    if (!existsSync(resolve(root, file))) throw new Error(`${file} is missing: run \`npm run build\` first (npm test does)`)
  }
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium, or set CHROMIUM_PATH`)
  }
}
