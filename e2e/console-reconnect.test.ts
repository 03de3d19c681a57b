import { describe, expect, it } from 'vitest'
import { newPage } from './browser.ts'
import { useKefu } from './fixture.ts'
import { agentApi, agentLogin, openWidget, typeAndSend, visitorMessage, visitorSends } from './flows.ts'

const env = useKefu()

describe('the console through a server crash', () => {
  it('keeps a reply typed during the outage, sends it once, and catches up on what it missed', async () => {
    const visitor = await newPage(env.browser)
    const chat = await openWidget(visitor, env.host.url)
    await visitorSends(chat, '我想退货 before the outage')

    const agent = await newPage(env.browser, { viewport: { width: 1100, height: 700 }, locale: 'zh-CN' })
    await agentLogin(agent, env.kefu.url)
    await agent.getByTestId('conv-row').first().click()
    await agent.getByTestId('agent-message').filter({ hasText: 'before the outage' }).waitFor()

    await env.kefu.kill9()
    await agent.getByTestId('agent-conn-banner').waitFor()
    await typeAndSend(agent.getByTestId('agent-composer'), '收到，马上处理 typed during the outage')
    await agent.locator('[data-testid=agent-message][data-state=sending]').waitFor()

    await env.kefu.start()
    await visitorMessage(chat, 'before the outage').waitFor()
    await chat.getByTestId('conn-banner').waitFor({ state: 'hidden', timeout: 30_000 })
    await typeAndSend(chat.getByTestId('composer'), 'sent while the console was away')
    await agent.getByTestId('agent-conn-banner').waitFor({ state: 'detached', timeout: 30_000 })
    await agent.locator('[data-testid=agent-message][data-state=sent]').filter({ hasText: 'typed during the outage' }).waitFor()
    await agent.getByTestId('agent-message').filter({ hasText: 'sent while the console was away' }).waitFor()
    await chat.locator('[data-testid=message][data-sender=agent]').filter({ hasText: 'typed during the outage' }).waitFor()

    expect(await agent.getByTestId('agent-message').filter({ hasText: 'typed during the outage' }).count()).toBe(1)
    expect(await agent.getByTestId('agent-message').filter({ hasText: 'sent while the console was away' }).count()).toBe(1)
    const api = await agentApi(env.kefu.url)
    const conv = (await api.conversations()).conversations[0]!
    const texts = (await api.messages(conv.id)).messages.map((m) => m.text)
    expect(texts.filter((t) => t.includes('typed during the outage'))).toHaveLength(1)
    await agent.screenshot({ path: '.tmp/e2e-console-after-reconnect.png' })
  })
})
