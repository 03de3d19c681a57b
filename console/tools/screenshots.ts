/**
 * Screenshots of the console against a running Kefu (fresh data dir, demo site on), for a person to
 * look at: login, login error, empty inbox, a live conversation in English and Chinese, wide and
 * narrow; with the demo's assistant on (the default), also a hand-off, the why-lines, the Bot page
 * and a refused script. Usage: `npx tsx console/tools/screenshots.ts [baseUrl] [outDir]`.
 */
import { mkdirSync } from 'node:fs'
import { chromium, type Page } from 'playwright-core'
import WebSocket from 'ws'

const base = process.argv[2] ?? 'http://localhost:8898'
const out = process.argv[3] ?? '.tmp/console-shots'
const EMAIL = process.env.KEFU_ADMIN_EMAIL ?? 'admin@kefu.local'
const PASSWORD = process.env.KEFU_ADMIN_PASSWORD ?? 'secret123'
mkdirSync(out, { recursive: true })

type Visitor = { token: string; ws: WebSocket; n: number; send(text: string): Promise<void>; typing(on: boolean): void }

async function visitor(identifyAs?: string): Promise<Visitor> {
  const post = async (path: string, body: unknown, token?: string) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    })
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`)
    return res.json() as Promise<{ token: string }>
  }
  let { token } = await post('/api/visitor/session', { site: 'demo' })
  if (identifyAs) {
    const { userToken } = (await (await fetch(`${base}/demo/api/identify-token?user=${identifyAs}`)).json()) as { userToken: string }
    token = (await post('/api/visitor/identify', { userToken }, token)).token
    await post('/api/visitor/attributes', { attributes: { plan: 'Pro', orders: 12, city: '上海', vip: true } }, token)
  }
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws?site=demo`, { headers: { Origin: base } })
  await new Promise<void>((resolve, reject) => {
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', v: 1, token })))
    ws.on('message', (data) => {
      if (JSON.parse(String(data)).type === 'welcome') resolve()
    })
    ws.on('error', reject)
  })
  const v: Visitor = {
    token,
    ws,
    n: 0,
    send: (text) =>
      new Promise((resolve) => {
        const cid = `c${Date.now()}-${++v.n}`
        const onMsg = (data: WebSocket.RawData) => {
          const f = JSON.parse(String(data))
          if (f.type === 'ack' && f.cid === cid) {
            ws.off('message', onMsg)
            resolve()
          }
        }
        ws.on('message', onMsg)
        ws.send(JSON.stringify({ type: 'send', id: cid, cid, text }))
      }),
    typing: (on) => ws.send(JSON.stringify({ type: 'typing', on })),
  }
  return v
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `${out}/${name}.png` })
  console.log(`${out}/${name}.png`)
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
})
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' })
  const page = await context.newPage()
  page.on('pageerror', (e) => console.error('pageerror', e))
  page.on('console', (m) => m.type() === 'error' && console.error('console', m.text()))

  await page.goto(`${base}/console`)
  await page.getByTestId('login-email').waitFor()
  await shot(page, '01-login')
  await page.getByTestId('login-email').fill(EMAIL)
  await page.getByTestId('login-password').fill('wrong-password')
  await page.getByTestId('login-submit').click()
  await page.getByTestId('login-error').waitFor()
  await shot(page, '02-login-error')

  await page.getByTestId('login-password').fill(PASSWORD)
  await page.getByTestId('login-submit').click()
  await page.getByTestId('tab-human').waitFor()
  await sleep(500)
  await shot(page, '03-inbox-empty')
  // With the demo's assistant on, new conversations start in the Bot tab.
  const overview = (await page.evaluate(() => fetch('/api/sites/demo/bot').then((r) => r.json()))) as { variants?: unknown[] }
  const botOn = (overview.variants?.length ?? 0) > 0
  if (botOn) await page.getByTestId('tab-bot').click()

  const anon = await visitor()
  await anon.send('Hi, is anyone there?')
  const alice = await visitor('alice')
  await alice.send('Hello, where is my order? 我的订单在哪里？')
  await alice.send('订单号是 A1234，昨天下的单。Tracking page: https://shop.example.com/orders/A1234')
  const third = await visitor()
  await third.send('你好，请问可以开发票吗？')
  await page.getByTestId('conv-row').nth(2).waitFor()
  await sleep(300)
  await shot(page, '04-inbox-live')

  await page.getByTestId('conv-row').filter({ hasText: 'Alice' }).click()
  await page.getByTestId('agent-message').nth(1).waitFor()
  const composer = page.getByTestId('agent-composer')
  // IME: Enter while composing picks a candidate and must not send; Shift+Enter is a newline.
  await composer.fill('查一下')
  await composer.dispatchEvent('keydown', { key: 'Enter', code: 'Enter', isComposing: true, bubbles: true })
  await composer.dispatchEvent('keydown', { key: 'Enter', code: 'Enter', keyCode: 229, bubbles: true })
  await composer.press('Shift+Enter')
  const kept = await composer.inputValue()
  console.log(kept === '查一下\n' ? 'ok   IME Enter and Shift+Enter do not send' : `FAIL composer holds ${JSON.stringify(kept)}`)
  await composer.fill('Hi Alice! Let me check that for you.')
  await composer.press('Enter')
  await page.locator('[data-testid=agent-message][data-state=sent][data-mine=true]').first().waitFor()
  await alice.send('好的，谢谢！')
  alice.typing(true)
  await page.getByTestId('agent-typing').waitFor()
  await composer.fill('Your order ships today. 今天发货。')
  await shot(page, '05-conversation-en')

  await page.getByTestId('locale').selectOption('zh-CN')
  await shot(page, '06-conversation-zh')

  await page.setViewportSize({ width: 800, height: 640 })
  await shot(page, '07-conversation-800')
  await page.setViewportSize({ width: 1024, height: 700 })
  await shot(page, '08-conversation-1024')

  await page.getByTestId('resolve').click()
  await page.getByTestId('reopen').waitFor()
  await page.getByTestId('tab-resolved').click()
  await sleep(300)
  await shot(page, '09-resolved')

  if (botOn) {
    await page.getByTestId('tab-human').click()
    const shopper = await visitor()
    await shopper.send('我的订单 KF20261101 到哪了？')
    await sleep(1500)
    await shopper.send('转人工')
    await page.getByTestId('handoff-toast').waitFor()
    await shot(page, '12-handoff-toast')
    await page.getByTestId('handoff-open').click()
    await page.getByTestId('why').nth(1).waitFor()
    await shot(page, '13-bot-why')
    await page.getByTestId('nav-bot').click()
    await page.getByTestId('script-source').waitFor()
    await sleep(500)
    await shot(page, '14-bot-page')
    const source = page.getByTestId('script-source')
    await source.fill((await source.inputValue()).replace(/minConfidence: [\d.]+/, 'minConfidence: 4'))
    await page.getByTestId('script-save').click()
    await page.getByTestId('script-errors').locator('button').first().click()
    await shot(page, '15-bot-script-refused')
    await page.getByTestId('nav-inbox').click()
    shopper.ws.close()
  }

  await page.setViewportSize({ width: 420, height: 760 })
  await shot(page, '10-phone-conversation')
  await page.getByRole('button', { name: /返回|Back/ }).click()
  await shot(page, '10b-phone-list')
  await page.setViewportSize({ width: 1280, height: 800 })
  await page.getByTestId('locale').selectOption('en')
  await page.getByTestId('logout').click()
  await page.getByTestId('login-email').fill(EMAIL)
  for (let i = 0; i < 40; i++) {
    await page.getByTestId('login-password').fill(`wrong-${i}`)
    await page.getByTestId('login-submit').click()
    await page.getByTestId('login-error').waitFor()
    if ((await page.getByTestId('login-error').getAttribute('data-kind')) === 'rate-limited') break
  }
  await shot(page, '11-login-rate-limited')
  for (const v of [anon, alice, third]) v.ws.close()
} finally {
  await browser.close()
}
