import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BotOverviewResponse, BotStatsResponse, BotTurnsResponse, Conversation, InvalidScriptBody, Message } from '../../protocol/index.ts'
import { DEMO_FAKE } from '../demo/fake-services.ts'
import { agentSocket, api, login, newVisitor, startTestServer, visitorSocket, type TestClient, type TestServer } from '../test-helpers.ts'

let server: TestServer
let admin: string

beforeAll(async () => {
  // The demo site with its assistant; the order-status and ticket plugins talk to the demo's fake
  // services on this same server over real HTTP.
  server = await startTestServer({ demoBot: true })
  admin = await login(server)
})
afterAll(() => server.stop())

const WAIT = 6_000
let cids = 0

/** A visitor sends `text` and waits for the ack. */
async function say(client: TestClient, text: string): Promise<{ conv: string; msgId: string }> {
  const cid = `c${++cids}`
  client.send({ type: 'send', id: cid, cid, text })
  const ack = await client.next('ack', (a) => a.cid === cid, WAIT)
  return { conv: ack.conv, msgId: ack.msgId }
}
/** Bot or agent messages that arrived (the visitor's own messages echo back to their other tabs). */
const answers = async (client: TestClient, ms = 300) =>
  (await client.none('message', ms)).filter((f) => f.type === 'message' && f.message.sender !== 'visitor')
const botReply = (client: TestClient, conv: string) =>
  client.next('message', (f) => f.message.conv === conv && f.message.sender === 'bot', WAIT).then((f) => f.message)

async function visitor() {
  const { token } = await newVisitor(server)
  return (await visitorSocket(server, token)).client
}

describe('the bot answers first', () => {
  it('looks up an order asked for in Chinese through the order-status plugin, and records why', async () => {
    const agent = (await agentSocket(server, admin)).client
    const v = await visitor()
    const { conv, msgId } = await say(v, '我的订单 KF20261101 到哪了？')
    const reply = await botReply(v, conv)
    expect(reply.text).toMatch(/KF20261101/)
    expect(reply.text).toMatch(/已发货|运输/)
    expect(reply.senderName).toBe('智能助手')

    const turn = (await agent.next('bot', (f) => f.turn.msgId === msgId, WAIT)).turn
    expect(turn.intent?.intent).toBe('order_status')
    expect(turn.entities).toContainEqual(expect.objectContaining({ type: 'order', value: 'KF20261101' }))
    expect(turn).toMatchObject({ rules: expect.arrayContaining(['order lookup']), actions: expect.arrayContaining(['action order-status']), handoff: null })
    expect(turn.version).toMatch(/^[0-9a-f]{12}$/)
    expect(['default', 'b']).toContain(turn.variant)

    // Stored: the console loads it after a reload.
    const stored = await api<BotTurnsResponse>(server, `/api/conversations/${conv}/bot`, { token: admin })
    expect(stored.body.turns.map((t) => t.msgId)).toContain(msgId)
    const conversation = (await server.deps.store.getConversation(conv))!
    expect(conversation).toMatchObject({ holder: 'bot', variant: turn.variant })
    agent.close()
    v.close()
  })

  it('hands off when the visitor asks for a person; agents are told why; the bot then stays quiet', async () => {
    const agent = (await agentSocket(server, admin)).client
    const v = await visitor()
    const { conv } = await say(v, '你好')
    await botReply(v, conv)
    await say(v, '转人工')
    const notice = await botReply(v, conv)
    expect(notice.text).toMatch(/人工客服/)
    const handoff = await agent.next('handoff', (f) => f.conv === conv, WAIT)
    expect(handoff.reason).toBe('visitor_request')
    const state = await agent.next('conversation', (f) => f.conversation.id === conv && f.conversation.holder === 'human', WAIT)
    expect(state.conversation.handoff).toMatchObject({ reason: 'visitor_request' })

    await say(v, '我的订单 KF20261102 呢')
    await server.deps.bot!.idle()
    expect(await answers(v)).toEqual([])
    agent.close()
    v.close()
  })

  it('hands off on low confidence and on a rule, and on a service outage through the plugin', async () => {
    const cases: [string, string][] = [
      ['你们公司在招聘程序员吗', 'low_confidence'],
      ['do you sell coffee machines', 'low_confidence'],
      ['你们太差了，我要投诉', 'complaint'],
      ['I am so angry and disappointed, this is awful', 'negative_sentiment'],
      ['My order KF99999999 where is it', 'plugin'],
    ]
    for (const [text, reason] of cases) {
      const v = await visitor()
      const { conv } = await say(v, text)
      await server.deps.bot!.idle()
      const c = (await server.deps.store.getConversation(conv))!
      expect({ text, holder: c.holder, reason: c.handoff?.reason }).toEqual({ text, holder: 'human', reason })
      v.close()
    }
    // The complaint rule also opened a ticket in the (fake) ticket system over HTTP, with the visitor's words.
    const tickets = await (await fetch(`${server.url}${DEMO_FAKE.mount}${DEMO_FAKE.tickets.path}`)).text()
    expect(tickets).toMatch(/T-\d{4}/)
    expect(tickets).toContain('你们太差了，我要投诉')
  }, 20_000)

  it('an agent takes over at any time (explicitly or by replying) and hands back to the bot', async () => {
    const agent = (await agentSocket(server, admin)).client
    const v = await visitor()
    const { conv } = await say(v, 'hello')
    await botReply(v, conv)

    const taken = await api<{ conversation: Conversation }>(server, `/api/conversations/${conv}/holder`, { method: 'POST', token: admin, json: { holder: 'human' } })
    expect(taken.body.conversation.holder).toBe('human')
    await say(v, 'how much is shipping')
    await server.deps.bot!.idle()
    expect(await answers(v)).toEqual([])

    const back = await api<{ conversation: Conversation }>(server, `/api/conversations/${conv}/holder`, { method: 'POST', token: admin, json: { holder: 'bot' } })
    expect(back.body.conversation.holder).toBe('bot')
    await say(v, 'how much is shipping')
    expect((await botReply(v, conv)).text).toMatch(/free over/i)

    // An agent's reply takes the conversation over.
    agent.send({ type: 'send', id: 'a1', conv, cid: 'agent-1', text: '我来为您处理' })
    await agent.next('ack', (a) => a.cid === 'agent-1', WAIT)
    expect((await server.deps.store.getConversation(conv))!.holder).toBe('human')
    agent.close()
    v.close()
  })

  it('an agent replying while the bot waits on a slow service keeps the bot from answering', async () => {
    const v = await visitor()
    const { conv } = await say(v, 'where is my order KF99999999') // the fake answers after the plugin's 3 s timeout
    const agent = (await agentSocket(server, admin)).client
    agent.send({ type: 'send', id: 'a2', conv, cid: 'agent-2', text: 'Let me check that for you' })
    await agent.next('ack', (a) => a.cid === 'agent-2', WAIT)
    await server.deps.bot!.idle()
    const messages = (await server.deps.store.listMessages(conv, { after: 0, limit: 50 })).messages
    expect(messages.map((m: Message) => m.sender)).toEqual(['visitor', 'agent'])
    agent.close()
    v.close()
  }, 20_000)
})

describe('scripts: upload, hot reload, A/B', () => {
  const demoScript = readFileSync(new URL('./scripts/demo/default.yaml', import.meta.url), 'utf8')

  it('refuses an invalid upload with line-numbered errors and keeps the old script answering', async () => {
    const before = server.deps.bot!.registry.current('demo', 'default')!.version
    const res = await api<InvalidScriptBody>(server, '/api/sites/demo/bot/scripts/default', {
      method: 'PUT', token: admin, json: { source: 'settings:\n  minConfidence: 7\nintents:\n  x: {}\n' },
    })
    expect(res.status).toBe(422)
    expect(res.body.error.code).toBe('invalid_script')
    expect(res.body.errors.length).toBeGreaterThan(0)
    expect(res.body.errors[0]).toMatchObject({ line: expect.any(Number), column: expect.any(Number) })
    expect(server.deps.bot!.registry.current('demo', 'default')!.version).toBe(before)
    const overview = await api<BotOverviewResponse>(server, '/api/sites/demo/bot', { token: admin })
    expect(overview.body.variants.find((x) => x.variant === 'default')?.version).toBe(before)
  })

  it('never answers a message with a half-loaded script while versions are swapped under load', async () => {
    // Two versions that differ in every answer; uploads alternate while 40 visitors each send 3 messages.
    const v1 = demoScript.replace('Shipping is free over ¥99', 'VERSION-ONE shipping')
    const v2 = demoScript.replace('Shipping is free over ¥99', 'VERSION-TWO shipping')
    const versions = new Map<string, string>()
    const put = async (source: string, tag: string) => {
      const res = await api<{ version: string }>(server, '/api/sites/demo/bot/scripts/default', { method: 'PUT', token: admin, json: { source } })
      expect(res.status).toBe(200)
      versions.set(res.body.version, tag)
    }
    await put(v1, 'VERSION-ONE')
    await put(v2, 'VERSION-TWO')
    // Keep every visitor on the `default` variant for this test.
    await api(server, '/api/sites/demo/bot/experiment', { method: 'PUT', token: admin, json: { source: 'name: only-default\nvariants: { default: 1, b: 0.000001 }\n' } })
    const clients = await Promise.all(Array.from({ length: 40 }, () => visitor()))
    let flips = 0
    const flipping = (async () => {
      while (flips < 20) await put(++flips % 2 ? v1 : v2, flips % 2 ? 'VERSION-ONE' : 'VERSION-TWO')
    })()
    const sent = await Promise.all(clients.map(async (c) => {
      const out: { conv: string; msgId: string }[] = []
      for (let i = 0; i < 3; i++) out.push(await say(c, 'how much is shipping'))
      return out
    }))
    await flipping
    await server.deps.bot!.idle()
    let checked = 0
    for (const { conv } of sent.flat()) {
      const turns = (await server.deps.store.listBotTurns(conv)).filter((t) => t.variant === 'default')
      const replies = (await server.deps.store.listMessages(conv, { after: 0, limit: 50 })).messages.filter((m) => m.sender === 'bot')
      for (const turn of turns) {
        const reply = replies.find((m) => m.seq === turn.seq + 1)
        const tag = versions.get(turn.version)
        expect(tag, `turn version ${turn.version}`).toBeDefined()
        expect(reply?.text).toMatch(new RegExp(tag!))
        checked++
      }
    }
    expect(checked).toBeGreaterThanOrEqual(100)
    for (const c of clients) c.close()
    await put(demoScript, 'demo')
  }, 60_000)

  it('splits visitors by the experiment and counts conversations, hand-offs, bot resolutions and ratings per variant', async () => {
    await api(server, '/api/sites/demo/bot/experiment', { method: 'PUT', token: admin, json: { source: 'name: tone-test\nvariants: { default: 50, b: 50 }\n' } })
    const seen = new Map<string, string>()
    for (let i = 0; i < 12; i++) {
      const v = await visitor()
      const { conv } = await say(v, 'what are your opening hours')
      await server.deps.bot!.idle()
      const c = (await server.deps.store.getConversation(conv))!
      seen.set(conv, c.variant!)
      if (i % 3 === 0) await say(v, '转人工')
      else {
        await server.deps.store.setConversationStatus(conv, 'resolved', Date.now())
        v.send({ type: 'rate', conv, score: i % 2 ? 5 : 3 })
      }
      await server.deps.bot!.idle()
      v.close()
    }
    await new Promise((r) => setTimeout(r, 100))
    const stats = (await api<BotStatsResponse>(server, '/api/sites/demo/bot/stats', { token: admin })).body
    expect(stats.experiment).toBe('tone-test')
    const total = stats.variants.reduce((n, s) => n + s.conversations, 0)
    expect(total).toBe(12)
    expect(stats.variants.reduce((n, s) => n + s.handoffs, 0)).toBe(4)
    expect(stats.variants.reduce((n, s) => n + s.resolvedByBot, 0)).toBe(8)
    expect(stats.variants.reduce((n, s) => n + s.ratings, 0)).toBe(8)
    for (const s of stats.variants) expect(s.conversations).toBe([...seen.values()].filter((x) => x === s.variant).length)
  })
})

describe('a site whose script goes away', () => {
  it('hands its bot-held conversations to a person instead of leaving the visitor unanswered', async () => {
    await server.deps.store.createSite({ key: 'tea', name: 'Tea', color: '#111111', greeting: null, allowedOrigins: [], secretEnc: 'unused' }, Date.now())
    const me = await server.deps.store.getAgentByEmail('admin@kefu.local')
    await server.deps.store.addSiteAgent('tea', me!.id)
    const source = 'intents:\n  hello:\n    examples: [hello, 你好]\n    reply: Hi from tea\n'
    expect((await api(server, '/api/sites/tea/bot/scripts/default', { method: 'PUT', token: admin, json: { source } })).status).toBe(200)
    const { token } = await newVisitor(server, 'tea')
    const v = (await visitorSocket(server, token, { site: 'tea' })).client
    const { conv } = await say(v, 'hello')
    expect((await botReply(v, conv)).text).toBe('Hi from tea')

    await server.deps.bot!.registry.remove('tea', 'default')
    await say(v, 'hello again')
    await server.deps.bot!.idle()
    expect((await server.deps.store.getConversation(conv))!).toMatchObject({ holder: 'human', handoff: { reason: 'no_script' } })
    // New conversations of a site without a script start with a person.
    expect(server.deps.bot!.holderFor('tea')).toBe('human')
    v.close()
  })
})
