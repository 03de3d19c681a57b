import { afterAll, describe, expect, it } from 'vitest'
import { agentSocket } from './agent-socket.ts'
import { newPage } from './browser.ts'
import { useKefu } from './fixture.ts'
import { agentApi, chatFrame, openWidget, visitorMessage, visitorSends } from './flows.ts'
import { startHostPage, type HostPage } from './host-page.ts'

type KefuWindow = { Kefu: (...args: unknown[]) => void; events: unknown[] }

const env = useKefu()
const hosts: HostPage[] = []
afterAll(async () => {
  for (const h of hosts) await h.close()
})

async function demoUserToken(user: string): Promise<string> {
  const res = await fetch(`${env.kefu.url}/demo/api/identify-token?user=${user}`)
  return ((await res.json()) as { userToken: string }).userToken
}

async function host(opts: Parameters<typeof startHostPage>[1]) {
  const h = await startHostPage(env.kefu.url, opts)
  hosts.push(h)
  return h
}

const isChinese = (s: string | null) => /[\u4e00-\u9fff]/.test(s ?? '')

describe('the page API', () => {
  it('calls made before the loader arrived run in order once it has', async () => {
    const h = await host({
      before: `Kefu('on','open',function(){events.push('open')});Kefu('on','close',function(){events.push('close')});Kefu('setLocale','zh-CN');Kefu('open')`,
    })
    const page = await newPage(env.browser)
    await page.goto(h.url)
    const chat = chatFrame(page)
    await chat.getByTestId('composer').waitFor()
    await chat.locator('html[lang="zh-CN"]').waitFor()
    expect(isChinese(await chat.getByTestId('composer').getAttribute('placeholder'))).toBe(true)
    expect(await page.evaluate(() => (window as unknown as KefuWindow).events)).toEqual(['open'])

    await page.evaluate(() => (window as unknown as KefuWindow).Kefu('toggle'))
    await chat.getByTestId('composer').waitFor({ state: 'hidden' })
    await page.evaluate(() => (window as unknown as KefuWindow).Kefu('setLocale', 'en'))
    await page.evaluate(() => (window as unknown as KefuWindow).Kefu('open'))
    await chat.locator('html[lang="en"]').waitFor()
    expect(await page.evaluate(() => (window as unknown as KefuWindow).events)).toEqual(['open', 'close', 'open'])
    await page.context().close()
  })

  it('speaks Chinese to a browser set to Chinese', async () => {
    const page = await newPage(env.browser, { locale: 'zh-CN' })
    await page.goto(`${env.kefu.url}/chat?site=demo`)
    await page.getByTestId('composer').waitFor()
    expect(isChinese(await page.getByTestId('composer').getAttribute('placeholder'))).toBe(true)
    await page.context().close()
  })

  it("on('message') and on('unread') report the agent's replies to the host page", async () => {
    const h = await host({
      after: `Kefu('on','message',function(m){events.push(['message',m && m.text])});Kefu('on','unread',function(n){events.push(['unread',n])})`,
    })
    const page = await newPage(env.browser)
    const chat = await openWidget(page, h.url)
    await visitorSends(chat, 'events please')
    await page.evaluate(() => (window as unknown as KefuWindow).Kefu('close'))

    const agent = await agentSocket(env.kefu.url)
    const conv = (await (await agentApi(env.kefu.url)).conversations()).conversations[0]!.id
    agent.reply(conv, 'reply for the host page')
    await page.waitForFunction(() =>
      (window as unknown as KefuWindow).events.some((e) => Array.isArray(e) && e[0] === 'unread' && e[1] === 1),
    )
    const events = await page.evaluate(() => (window as unknown as KefuWindow).events)
    expect(events).toContainEqual(['message', 'reply for the host page'])

    // With the panel open the reply is read at once: the host page never sees an unread count for it.
    await page.evaluate(() => {
      const w = window as unknown as KefuWindow
      w.Kefu('open')
      w.events.length = 0
    })
    await page.getByTestId('kefu-badge').waitFor({ state: 'hidden' })
    agent.reply(conv, 'read while open')
    await page.waitForFunction(() => (window as unknown as KefuWindow).events.some((e) => Array.isArray(e) && e[0] === 'message'))
    await visitorMessage(chat, 'events please', 'delivered').waitFor()
    await new Promise((r) => setTimeout(r, 300))
    const whileOpen = await page.evaluate(() => (window as unknown as KefuWindow).events)
    expect(whileOpen.filter((e) => Array.isArray(e) && e[0] === 'unread' && e[1] !== 0)).toEqual([])
    agent.close()
    await page.context().close()
  })

  it('identify links the visitor to the known user and their conversations on another device', async () => {
    const h = env.host
    const laptop = await newPage(env.browser)
    await visitorSends(await openWidget(laptop, h.url), 'before sign-in')
    const token = await demoUserToken('alice')
    await laptop.evaluate((t) => (window as unknown as KefuWindow).Kefu('identify', { token: t }), token)
    await visitorSends(chatFrame(laptop), 'from my laptop')

    const api = await agentApi(env.kefu.url)
    const conv = (await api.conversations()).conversations.find((c) => c.id)!
    const { visitor } = await api.conversation(conv.id)
    expect(visitor.userId).toBe('alice')

    // Another device: a fresh browser with nothing stored, signed in as the same user.
    const phone = await newPage(env.browser, { viewport: { width: 390, height: 844 } })
    await phone.goto(h.url)
    await phone.evaluate(async (t) => (window as unknown as KefuWindow).Kefu('identify', { token: t }), await demoUserToken('alice'))
    await phone.getByTestId('kefu-launcher').click()
    await visitorMessage(chatFrame(phone), 'from my laptop').waitFor()
    await visitorMessage(chatFrame(phone), 'before sign-in').waitFor()
    await laptop.context().close()
    await phone.context().close()
  })

  it('a forged token is refused and changes nothing', async () => {
    const h = env.host
    const page = await newPage(env.browser)
    await visitorSends(await openWidget(page, h.url), 'anonymous and staying so')
    const real = await demoUserToken('bob')
    const [head, body] = real.split('.')
    const forged = `${head}.${body}.${'A'.repeat(43)}`
    const refused = page.waitForEvent('console', (m) => /identify/i.test(m.text()))
    await page.evaluate((t) => (window as unknown as KefuWindow).Kefu('identify', { token: t }), forged)
    await refused
    await page.reload()
    await page.getByTestId('kefu-launcher').click()
    await visitorMessage(chatFrame(page), 'anonymous and staying so', 'delivered').waitFor()
    const api = await agentApi(env.kefu.url)
    const conv = (await api.conversations()).conversations[0]!
    expect((await api.conversation(conv.id)).visitor.userId).toBeNull()
    await page.context().close()
  })

  it('setAttributes reaches the agent', async () => {
    const h = await host({ after: `Kefu('setAttributes',{plan:'gold',cart:3})` })
    const page = await newPage(env.browser)
    await visitorSends(await openWidget(page, h.url), 'with attributes')
    const api = await agentApi(env.kefu.url)
    const conv = (await api.conversations()).conversations[0]!
    expect((await api.conversation(conv.id)).visitor.attributes).toMatchObject({ plan: 'gold', cart: 3 })
    await page.context().close()
  })
})
