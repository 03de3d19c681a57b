import type { Browser } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import { launch } from './browser.ts'
import { startHostPage, type HostPage } from './host-page.ts'
import { startKefu, type KefuProcess } from './kefu-process.ts'

export type KefuFixture = { kefu: KefuProcess; host: HostPage; browser: Browser }

/**
 * For one test file: a real Kefu process, a company website on another origin that embeds it, and a
 * Chromium; all started before the file's tests and stopped after them. Read the fields inside tests.
 * `bot: true` keeps the demo site's assistant on.
 */
export function useKefu(options: { bot?: boolean } = {}): KefuFixture {
  const fixture = {} as KefuFixture
  beforeAll(async () => {
    // The core-chat tests run the demo site without its assistant, so only people answer there.
    fixture.kefu = await startKefu(options.bot ? {} : { KEFU_DEMO_BOT: '0' })
    fixture.host = await startHostPage(fixture.kefu.url)
    fixture.browser = await launch()
  })
  afterAll(async () => {
    await fixture.browser?.close()
    await fixture.host?.close()
    await fixture.kefu?.stop()
  })
  return fixture
}
