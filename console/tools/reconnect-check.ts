/**
 * A by-hand reliability run: starts its own Kefu, opens a conversation in the console, kills the
 * server (banner shows, a reply typed meanwhile waits as "sending"), restarts it on the same data,
 * and checks that the reply is delivered once and a visitor message sent while the console was away
 * shows once. Usage: `npx tsx console/tools/reconnect-check.ts [outDir]`.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import WebSocket from 'ws'

const out = process.argv[2] ?? '.tmp/console-shots'
const PORT = 8897
const base = `http://localhost:${PORT}`
const dataDir = mkdtempSync(join(tmpdir(), 'kefu-console-'))
mkdirSync(out, { recursive: true })
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function startServer(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: { ...process.env, PORT: String(PORT), KEFU_DATA_DIR: dataDir, KEFU_ADMIN_PASSWORD: 'secret123', KEFU_LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  })
  for (let i = 0; i < 100; i++) {
    if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) return child
    await sleep(100)
  }
  throw new Error('server did not start')
}

async function visitorSocket(token: string): Promise<WebSocket> {
  const ws = new WebSocket(`ws://localhost:${PORT}/ws?site=demo`, { headers: { Origin: base } })
  await new Promise<void>((resolve, reject) => {
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', v: 1, token })))
    ws.on('message', (d) => JSON.parse(String(d)).type === 'welcome' && resolve())
    ws.on('error', reject)
  })
  return ws
}

function send(ws: WebSocket, text: string): Promise<void> {
  const cid = `c-${Date.now()}-${Math.random()}`
  return new Promise((resolve) => {
    ws.on('message', (d) => {
      const f = JSON.parse(String(d))
      if (f.type === 'ack' && f.cid === cid) resolve()
    })
    ws.send(JSON.stringify({ type: 'send', id: cid, cid, text }))
  })
}

let server = await startServer()
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
})
let failed = false
const check = (ok: boolean, what: string) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`)
  if (!ok) failed = true
}
try {
  const { token } = (await (
    await fetch(`${base}/api/visitor/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"site":"demo"}' })
  ).json()) as { token: string }
  let visitor = await visitorSocket(token)
  const agentFrames: string[] = []
  visitor.on('message', (d) => agentFrames.push(String(d)))
  await send(visitor, '我想退货 (before the outage)')

  const page = await (await browser.newContext({ viewport: { width: 1100, height: 700 }, locale: 'zh-CN' })).newPage()
  await page.goto(`${base}/console`)
  await page.getByTestId('login-email').fill('admin@kefu.local')
  await page.getByTestId('login-password').fill('secret123')
  await page.getByTestId('login-submit').click()
  await page.getByTestId('conv-row').first().click()
  await page.getByTestId('agent-message').first().waitFor()

  server.kill('SIGKILL')
  await page.getByTestId('agent-conn-banner').waitFor()
  await page.getByTestId('agent-composer').fill('收到，马上处理 (typed while offline)')
  await page.getByTestId('agent-composer').press('Enter')
  await page.locator('[data-testid=agent-message][data-state=sending]').waitFor()
  await page.screenshot({ path: `${out}/12-offline-banner.png` })
  console.log(`${out}/12-offline-banner.png`)

  server = await startServer()
  visitor = await visitorSocket(token)
  const seen: string[] = []
  visitor.on('message', (d) => seen.push(String(d)))
  await send(visitor, 'sent while the console was away')
  await page.getByTestId('agent-conn-banner').waitFor({ state: 'detached', timeout: 30_000 })
  await page.locator('[data-testid=agent-message][data-state=sent]').filter({ hasText: 'typed while offline' }).waitFor()
  await page.getByTestId('agent-message').filter({ hasText: 'sent while the console was away' }).waitFor()
  await sleep(500)
  check((await page.getByTestId('agent-message').filter({ hasText: 'sent while the console was away' }).count()) === 1, 'missed visitor message shows once')
  check((await page.getByTestId('agent-message').filter({ hasText: 'typed while offline' }).count()) === 1, 'offline reply shows once')
  const res = await fetch(`${base}/api/visitor/conversations`, { headers: { authorization: `Bearer ${token}` } })
  const { conversations } = (await res.json()) as { conversations: { id: string }[] }
  const msgs = (await (
    await fetch(`${base}/api/conversations/${conversations[0]!.id}/messages`, { headers: { authorization: `Bearer ${token}` } })
  ).json()) as { messages: { text: string }[] }
  check(msgs.messages.filter((m) => m.text.includes('typed while offline')).length === 1, 'server stored the offline reply once')
  check((await page.getByTestId('conv-row').first().getAttribute('data-unread')) === '0', 'open conversation has no unread')
  await page.screenshot({ path: `${out}/13-after-reconnect.png` })
  console.log(`${out}/13-after-reconnect.png`)
  visitor.close()
} finally {
  await browser.close()
  server.kill('SIGTERM')
}
process.exit(failed ? 1 : 0)
