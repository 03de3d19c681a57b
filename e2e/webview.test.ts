import { describe, expect, it } from 'vitest'
import { newPage } from './browser.ts'
import { useKefu } from './fixture.ts'
import { typeAndSend } from './flows.ts'

const env = useKefu()

describe('/chat?site=KEY opened directly, as a native WebView does', () => {
  it('fills a phone screen and chats', async () => {
    const page = await newPage(env.browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 })
    await page.goto(`${env.kefu.url}/chat?site=demo`)
    const composer = page.getByTestId('composer')
    await composer.waitFor()
    const box = (await composer.boundingBox())!
    expect(box.y + box.height).toBeGreaterThan(844 - 120)
    expect(box.width).toBeGreaterThan(390 * 0.6)
    await typeAndSend(composer, 'Hi from the app 来自应用')
    await page.locator('[data-testid=message][data-sender=visitor][data-status=delivered]').waitFor()
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    expect(overflow).toBeLessThanOrEqual(0)
    await page.screenshot({ path: '.tmp/e2e-webview.png' })
    await page.context().close()
  })
})
