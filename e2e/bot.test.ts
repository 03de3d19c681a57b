import type { FrameLocator, Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { newPage } from './browser.ts'
import { useKefu } from './fixture.ts'
import { agentApi, agentLogin, openWidget, typeAndSend, visitorMessage, visitorSends } from './flows.ts'

/**
 * The demo shop's assistant end to end: a visitor asks for an order's status in Chinese and gets it from
 * the bot (through the order-status plugin and the demo's fake order service), then asks for a person;
 * an agent is notified, sees why the bot did what it did, replies, and the bot stays quiet from then on.
 */
const env = useKefu({ bot: true })
let visitor: Page
let agent: Page
let chat: FrameLocator

/** Long enough for a bot turn (pipeline, plugin call to the local fake service, store) to have shown up. */
const BOT_QUIET_MS = 2_500

const botMessages = (frame: FrameLocator) => frame.locator('[data-testid=message][data-sender=bot]')

beforeAll(async () => {
  visitor = await newPage(env.browser, { locale: 'zh-CN' })
  agent = await newPage(env.browser, { locale: 'zh-CN', viewport: { width: 1280, height: 800 } })
  // Signed in before anything happens, as an agent on shift is: the hand-off arrives live.
  await agentLogin(agent, env.kefu.url)
  await agent.getByTestId('tab-bot').waitFor()
})

describe('the assistant answers, hands off, and a person takes it from there', () => {
  it('a visitor on the demo shop asks where their order is, in Chinese, and the bot tells them', async () => {
    chat = await openWidget(visitor, `${env.kefu.url}/demo/`)
    await visitorSends(chat, '我的订单 KF20261101 到哪了？')
    // The fake order service says KF20261101 shipped with SF Express (server/demo/fake-services.ts).
    const answer = botMessages(chat).filter({ hasText: 'KF20261101' })
    await answer.waitFor()
    const text = (await answer.textContent()) ?? ''
    expect(text).toContain('已发货')
    expect(text).toContain('顺丰')
    // The bot's name, and that it is not a person.
    expect(await chat.locator('.row.bot .name').first().textContent()).toBe('智能助手')

    // The agent sees it in the Bot tab (the bot holds it), not among the people's conversations.
    await agent.getByTestId('tab-bot').click()
    await agent.locator('[data-testid=conv-row][data-holder=bot]').filter({ hasText: 'KF20261101' }).waitFor()
  })

  it('asking for a person shows the hand-off notice; the agent gets a notification and a marked row', async () => {
    await visitorSends(chat, '转人工')
    await botMessages(chat).filter({ hasText: '人工客服' }).waitFor()

    const toast = agent.getByTestId('handoff-toast')
    await toast.waitFor()
    expect(await toast.textContent()).toContain('访客要求人工')
    await agent.getByTestId('tab-human').click()
    const row = agent.locator('[data-testid=conv-row][data-handoff=true]')
    await row.waitFor()
    expect(await row.getAttribute('data-holder')).toBe('human')
    expect(await agent.title()).toMatch(/^🔔/)
    await visitor.screenshot({ path: '.tmp/e2e-bot-visitor-handoff.png' })
    await agent.screenshot({ path: '.tmp/e2e-bot-console-toast.png' })
  })

  it('the agent opens it and sees the bot’s part with why it answered and why it handed off', async () => {
    await agent.getByTestId('handoff-open').click()
    await agent.getByTestId('conv-handoff').waitFor()
    expect(await agent.getByTestId('conv-holder').getAttribute('data-holder')).toBe('human')
    expect(await agent.getByTestId('conv-handoff').textContent()).toContain('访客要求人工')

    // The bot's replies are shown as the bot's, and each visitor message it handled carries its reasons.
    await agent.locator('[data-testid=agent-message][data-sender=bot]').filter({ hasText: '已发货' }).waitFor()
    const whys = agent.getByTestId('why')
    await expect.poll(() => whys.count()).toBe(2)
    const orderWhy = (await whys.nth(0).textContent()) ?? ''
    expect(orderWhy).toContain('order_status')
    expect(orderWhy).toMatch(/\d+%/)
    expect(orderWhy).toContain('订单号 KF20261101')
    expect(orderWhy).toContain('order-status')
    expect(orderWhy).toMatch(/脚本 [0-9a-f]{7} · \w+/)
    expect(await whys.nth(1).locator('[data-kind=handoff]').textContent()).toContain('访客要求人工')

    // Opened: the toast, the mark and the title's bell go.
    await agent.getByTestId('handoff-toast').waitFor({ state: 'detached' })
    expect(await agent.locator('[data-testid=conv-row][data-handoff=true]').count()).toBe(0)
    await expect.poll(() => agent.title()).not.toMatch(/🔔/)
    await agent.screenshot({ path: '.tmp/e2e-bot-console-why.png' })
  })

  it('the agent replies, the visitor receives it, and the bot does not answer any more', async () => {
    await typeAndSend(agent.getByTestId('agent-composer'), '您好，我是客服小李，这就帮您看看物流。')
    await chat.locator('[data-testid=message][data-sender=agent]').filter({ hasText: '客服小李' }).waitFor()

    const botsBefore = await botMessages(chat).count()
    await typeAndSend(chat.getByTestId('composer'), '我的订单 KF20261102 呢？')
    // The agent has it open: stored, delivered and read at once.
    await visitorMessage(chat, 'KF20261102', 'read').waitFor()
    await agent.getByTestId('agent-message').filter({ hasText: 'KF20261102' }).waitFor()
    await visitor.waitForTimeout(BOT_QUIET_MS)
    expect(await botMessages(chat).count()).toBe(botsBefore)

    // The store agrees: no bot message after the hand-off, and no bot turn for the last message.
    const api = await agentApi(env.kefu.url)
    const conv = (await api.conversations()).conversations[0]!
    const messages = (await api.messages(conv.id)).messages
    const handoffAt = messages.findIndex((m) => m.sender === 'bot' && m.text.includes('人工客服'))
    expect(handoffAt).toBeGreaterThan(0)
    expect(messages.slice(handoffAt + 1).filter((m) => m.sender === 'bot')).toEqual([])
    const last = messages.at(-1)!
    expect([last.sender, last.text]).toEqual(['visitor', '我的订单 KF20261102 呢？'])
    expect(await agent.getByTestId('why').count()).toBe(2)
  })

  it('after the agent resolves it, the visitor rates it and the agent sees the rating', async () => {
    await agent.getByTestId('resolve').click()
    const star = chat.getByRole('button', { name: '5/5' })
    await star.click()
    await chat.getByTestId('rating').filter({ hasText: '感谢您的评价' }).waitFor()
    await agent.getByTestId('conv-rating').filter({ hasText: '5/5' }).waitFor()
    await visitor.screenshot({ path: '.tmp/e2e-bot-visitor-rated.png' })
  })
})

describe('who holds a conversation is the agent’s call', () => {
  it('an agent takes over from the bot, which then stays quiet, and hands it back, which it then answers', async () => {
    const other = await newPage(env.browser, { locale: 'en-US' })
    const chat2 = await openWidget(other, `${env.kefu.url}/demo/`)
    await visitorSends(chat2, 'How do I return an item?')
    await botMessages(chat2).filter({ hasText: '7 days' }).waitFor()

    await agent.getByTestId('nav-inbox').click()
    await agent.getByTestId('tab-bot').click()
    await agent.locator('[data-testid=conv-row][data-holder=bot]').filter({ hasText: '7 days' }).click()
    await agent.getByTestId('takeover').click()
    await agent.getByTestId('handback').waitFor()
    expect(await agent.getByTestId('conv-holder').getAttribute('data-holder')).toBe('human')

    const botsBefore = await botMessages(chat2).count()
    await typeAndSend(chat2.getByTestId('composer'), 'What are your opening hours?')
    await agent.getByTestId('agent-message').filter({ hasText: 'opening hours' }).waitFor()
    await other.waitForTimeout(BOT_QUIET_MS)
    expect(await botMessages(chat2).count()).toBe(botsBefore)

    await agent.getByTestId('handback').click()
    await agent.getByTestId('takeover').waitFor()
    await typeAndSend(chat2.getByTestId('composer'), 'And when are you open on Saturday?')
    await expect.poll(() => botMessages(chat2).count(), { timeout: 10_000 }).toBe(botsBefore + 1)
    expect(await botMessages(chat2).last().textContent()).toContain('Saturday')
    await other.context().close()
  })
})
