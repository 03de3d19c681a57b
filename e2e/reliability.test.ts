import type { CDPSession } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { agentSocket } from './agent-socket.ts'
import { newPage } from './browser.ts'
import { useKefu } from './fixture.ts'
import { agentApi, chatFrame, openWidget, typeAndSend, visitorMessage, visitorSends } from './flows.ts'

const env = useKefu()

/** Every visitor message of the one conversation holding `marker`, in seq order, as the server stores it. */
async function storedTexts(marker: string): Promise<string[]> {
  const api = await agentApi(env.kefu.url)
  for (const c of (await api.conversations()).conversations) {
    const { messages } = await api.messages(c.id)
    if (messages.some((m) => m.text.includes(marker))) return messages.filter((m) => m.sender === 'visitor').map((m) => m.text)
  }
  return []
}

describe('nothing typed is lost or sent twice', () => {
  it('history survives a reload and a navigation', async () => {
    const page = await newPage(env.browser)
    const chat = await openWidget(page, env.host.url)
    await visitorSends(chat, 'reload-1 keep me')
    await page.reload()
    await page.getByTestId('kefu-launcher').click()
    await visitorMessage(chatFrame(page), 'reload-1 keep me').waitFor()
    await page.click('#next')
    await page.getByTestId('kefu-launcher').click()
    await visitorMessage(chatFrame(page), 'reload-1 keep me').waitFor()
    await page.context().close()
  })

  it("the conversation comes back when the chat's own storage is wiped (the host page keeps the session)", async () => {
    const page = await newPage(env.browser)
    const chat = await openWidget(page, env.host.url)
    await visitorSends(chat, 'wiped-1 still mine')
    const cdp: CDPSession = await page.context().newCDPSession(page)
    await cdp.send('Storage.clearDataForOrigin', { origin: env.kefu.url, storageTypes: 'all' })
    await page.reload()
    await page.getByTestId('kefu-launcher').click()
    await visitorMessage(chatFrame(page), 'wiped-1 still mine').waitFor()
    await page.context().close()
  })

  it('two messages typed offline arrive once each, in order, when the network is back', async () => {
    const page = await newPage(env.browser)
    const chat = await openWidget(page, env.host.url)
    await visitorSends(chat, 'offline-0 online first')
    await page.context().setOffline(true)
    await typeAndSend(chat.getByTestId('composer'), 'offline-1 first')
    await typeAndSend(chat.getByTestId('composer'), 'offline-2 second')
    await visitorMessage(chat, 'offline-2 second', 'sending').waitFor()
    await page.context().setOffline(false)
    await visitorMessage(chat, 'offline-1 first', 'delivered').waitFor()
    await visitorMessage(chat, 'offline-2 second', 'delivered').waitFor()
    expect(await storedTexts('offline-0')).toEqual(['offline-0 online first', 'offline-1 first', 'offline-2 second'])
    await page.context().close()
  })

  it('a server killed with kill -9 mid-conversation: clients reconnect by themselves and nothing acked is lost', async () => {
    const page = await newPage(env.browser)
    const chat = await openWidget(page, env.host.url)
    await visitorSends(chat, 'kill-1 acked before the crash')
    const agent = await agentSocket(env.kefu.url)
    await env.kefu.kill9()
    await chat.getByTestId('conn-banner').waitFor()
    await typeAndSend(chat.getByTestId('composer'), 'kill-2 typed while the server was down')
    await env.kefu.start()
    await visitorMessage(chat, 'kill-2', 'delivered').waitFor({ timeout: 30_000 })
    await chat.getByTestId('conn-banner').waitFor({ state: 'hidden' })
    expect(await storedTexts('kill-1')).toEqual(['kill-1 acked before the crash', 'kill-2 typed while the server was down'])
    agent.close()
    await page.context().close()
  })

  it('a tab coming back to the foreground or online checks its socket at once', async () => {
    const page = await newPage(env.browser)
    const chat = await openWidget(page, env.host.url)
    await visitorSends(chat, 'wake-1')
    const frame = page.frames().find((f) => f.url().includes('/chat'))!
    const pings = await frame.evaluate(async () => {
      // Count application pings sent after the page says it is visible again.
      const sent: string[] = []
      const original = WebSocket.prototype.send
      WebSocket.prototype.send = function (data) {
        if (typeof data === 'string' && data.includes('"ping"')) sent.push(data)
        return original.call(this, data)
      }
      const wait = () => new Promise((r) => setTimeout(r, 300))
      const counts: number[] = []
      document.dispatchEvent(new Event('visibilitychange'))
      await wait()
      counts.push(sent.length)
      window.dispatchEvent(new Event('online'))
      await wait()
      counts.push(sent.length)
      return counts
    })
    expect(pings).toEqual([1, 2])
    await page.context().close()
  })

  it('a new visitor opening two tabs at the same moment is one visitor with one conversation', async () => {
    const context = await env.browser.newContext({ locale: 'en-US' })
    const [a, b] = await Promise.all([context.newPage(), context.newPage()])
    await Promise.all([a.goto(`${env.kefu.url}/chat?site=demo`), b.goto(`${env.kefu.url}/chat?site=demo`)])
    await typeAndSend(a.getByTestId('composer'), 'twin-A')
    await typeAndSend(b.getByTestId('composer'), 'twin-B')
    await b.locator('[data-testid=message][data-sender=visitor]').filter({ hasText: 'twin-A' }).waitFor()
    expect((await storedTexts('twin-A')).sort()).toEqual(['twin-A', 'twin-B'])
    await context.close()
  })

  it('two tabs of one visitor see the same conversation, and racing first messages open one conversation', async () => {
    const context = await env.browser.newContext({ locale: 'en-US' })
    const a = await context.newPage()
    const chatA = await openWidget(a, env.host.url)
    await chatA.getByTestId('composer').waitFor()
    const b = await context.newPage()
    const chatB = await openWidget(b, env.host.url)
    await chatB.getByTestId('composer').waitFor()
    await Promise.all([
      typeAndSend(chatA.getByTestId('composer'), 'race-A from tab A'),
      typeAndSend(chatB.getByTestId('composer'), 'race-B from tab B'),
    ])
    await visitorMessage(chatA, 'race-B from tab B').waitFor()
    await visitorMessage(chatB, 'race-A from tab A').waitFor()
    const stored = await storedTexts('race-A')
    expect(stored.sort()).toEqual(['race-A from tab A', 'race-B from tab B'])
    await context.close()
  })
})
