import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launch, newPage } from './browser.ts'
import { agentApi, agentLogin, chatFrame, typeAndSend, visitorMessage } from './flows.ts'
import { startHostPage, type HostPage } from './host-page.ts'
import { startKefu, type KefuProcess } from './kefu-process.ts'

let kefu: KefuProcess
let host: HostPage
let browser: Browser

beforeAll(async () => {
  kefu = await startKefu()
  host = await startHostPage(kefu.url)
  browser = await launch()
})

afterAll(async () => {
  await browser?.close()
  await host?.close()
  await kefu?.stop()
})

describe('the console through a server crash', () => {
  it('keeps a reply typed during the outage, sends it once, and catches up on what it missed', async () => {
    const visitor = await newPage(browser)
    await visitor.goto(host.url)
    await visitor.getByTestId('kefu-launcher').click()
    const chat = chatFrame(visitor)
    await typeAndSend(chat.getByTestId('composer'), '我想退货 before the outage')
    await visitorMessage(chat, 'before the outage', 'delivered').waitFor()

    const agent = await newPage(browser, { viewport: { width: 1100, height: 700 }, locale: 'zh-CN' })
    await agentLogin(agent, kefu.url)
    await agent.getByTestId('conv-row').first().click()
    await agent.getByTestId('agent-message').filter({ hasText: 'before the outage' }).waitFor()

    await kefu.kill9()
    await agent.getByTestId('agent-conn-banner').waitFor()
    await typeAndSend(agent.getByTestId('agent-composer'), '收到，马上处理 typed during the outage')
    await agent.locator('[data-testid=agent-message][data-state=sending]').waitFor()

    await kefu.start()
    await visitorMessage(chat, 'before the outage').waitFor()
    await chat.getByTestId('conn-banner').waitFor({ state: 'hidden', timeout: 30_000 })
    await typeAndSend(chat.getByTestId('composer'), 'sent while the console was away')
    await agent.getByTestId('agent-conn-banner').waitFor({ state: 'detached', timeout: 30_000 })
    await agent.locator('[data-testid=agent-message][data-state=sent]').filter({ hasText: 'typed during the outage' }).waitFor()
    await agent.getByTestId('agent-message').filter({ hasText: 'sent while the console was away' }).waitFor()
    await chat.locator('[data-testid=message][data-sender=agent]').filter({ hasText: 'typed during the outage' }).waitFor()

    expect(await agent.getByTestId('agent-message').filter({ hasText: 'typed during the outage' }).count()).toBe(1)
    expect(await agent.getByTestId('agent-message').filter({ hasText: 'sent while the console was away' }).count()).toBe(1)
    const api = await agentApi(kefu.url)
    const conv = (await api.conversations()).conversations[0]!
    const texts = (await api.messages(conv.id)).messages.map((m) => m.text)
    expect(texts.filter((t) => t.includes('typed during the outage'))).toHaveLength(1)
    await agent.screenshot({ path: '.tmp/e2e-console-after-reconnect.png' })
  })
})
