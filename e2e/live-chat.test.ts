import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { newPage } from './browser.ts'
import { useKefu } from './fixture.ts'
import { agentApi, agentLogin, chatFrame, openWidget, typeAndSend, visitorMessage, visitorSends } from './flows.ts'

const env = useKefu()
let visitor: Page
let agent: Page

beforeAll(async () => {
  visitor = await newPage(env.browser)
  agent = await newPage(env.browser, { viewport: { width: 1280, height: 800 } })
})

describe('a visitor and an agent talk live', () => {
  it('visitor opens the widget from the launcher and sends; the message is delivered', async () => {
    const chat = await openWidget(visitor, env.host.url)
    await visitorSends(chat, 'Hello, where is my order? 我的订单在哪里？')
    await visitor.screenshot({ path: '.tmp/e2e-visitor-open.png' })
  })

  it('the agent sees the conversation appear live, opens it and the visitor sees "read"', async () => {
    await agentLogin(agent, env.kefu.url)
    const row = agent.getByTestId('conv-row').first()
    await row.waitFor()
    expect(await row.textContent()).toContain('我的订单在哪里')
    await row.click()
    await agent.getByTestId('agent-message').filter({ hasText: 'where is my order' }).waitFor()
    await visitorMessage(chatFrame(visitor), '我的订单在哪里', 'read').waitFor()
  })

  it('a new conversation appears in the open console without a reload', async () => {
    const other = await newPage(env.browser)
    await typeAndSend((await openWidget(other, env.host.url)).getByTestId('composer'), 'Second visitor here')
    await agent.getByTestId('conv-row').filter({ hasText: 'Second visitor here' }).waitFor()
    await other.context().close()
  })

  it('typing shows on both sides', async () => {
    const chat = chatFrame(visitor)
    await chat.getByTestId('composer').pressSequentially('I am typ', { delay: 30 })
    await agent.getByTestId('agent-typing').waitFor()
    await agent.getByTestId('agent-composer').pressSequentially('Let me check', { delay: 30 })
    await chat.getByTestId('typing').waitFor()
    await chat.getByTestId('composer').fill('')
  })

  it('the agent replies and the visitor sees it live', async () => {
    await agent.getByTestId('agent-composer').fill('')
    await typeAndSend(agent.getByTestId('agent-composer'), 'Your order #A1234 ships today. 今天发货。')
    await chatFrame(visitor).locator('[data-testid=message][data-sender=agent]').filter({ hasText: '今天发货' }).waitFor()
    await agent.screenshot({ path: '.tmp/e2e-console.png' })
    await visitor.screenshot({ path: '.tmp/e2e-visitor-reply.png' })
  })

  it('with the panel closed, a reply shows an unread badge on the launcher', async () => {
    await visitor.evaluate(() => (window as unknown as { Kefu: (c: string) => void }).Kefu('close'))
    await chatFrame(visitor).getByTestId('composer').waitFor({ state: 'hidden' })
    await typeAndSend(agent.getByTestId('agent-composer'), 'One more thing')
    const badge = visitor.getByTestId('kefu-badge')
    await badge.waitFor()
    expect((await badge.textContent())?.trim()).toBe('1')
    await visitor.getByTestId('kefu-launcher').click()
    await badge.waitFor({ state: 'hidden' })
  })

  it('the agent resolves the conversation and it leaves the open list', async () => {
    const rows = agent.getByTestId('conv-row')
    const before = await rows.count()
    await agent.getByTestId('resolve').click()
    await agent.getByTestId('reopen').waitFor()
    await agent.waitForFunction((n) => document.querySelectorAll('[data-testid=conv-row]').length === n - 1, before)
  })

  it('the store holds each message once, in order', async () => {
    const api = await agentApi(env.kefu.url)
    const conv = (await api.conversations('resolved')).conversations[0]!
    const texts = (await api.messages(conv.id)).messages.map((m) => m.text)
    expect(texts.filter((t) => t.includes('我的订单在哪里'))).toHaveLength(1)
  })
})
