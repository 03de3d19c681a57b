import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newVisitor, startTestServer, visitorSocket, type TestServer } from '../test-helpers.ts'
import { DEMO_FAKE, DEMO_ORDERS } from './fake-services.ts'

const BOT_WAIT_MS = 8000

/** The whole demo path: visitor → engine → plugin → fake service over HTTP on the server's own port → reply. */
describe('demo shop assistant with the built-in plugins and the fake services', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ demo: true, demoBot: true })
  })
  afterAll(async () => server.stop())

  async function visitor() {
    const session = await newVisitor(server)
    const { client } = await visitorSocket(server, session.token)
    let n = 0
    let lastSeq = 0
    const ask = async (text: string) => {
      client.send({ type: 'send', id: `r${++n}`, cid: `c${n}`, text })
      const ack = await client.next('ack', (f) => f.id === `r${n}`)
      const reply = await client.next('message', (f) => f.message.sender === 'bot' && f.message.seq > Math.max(lastSeq, ack.seq), BOT_WAIT_MS)
      lastSeq = reply.message.seq
      return { conv: ack.conv, text: reply.message.text }
    }
    return { client, ask }
  }

  it('answers a Chinese order question with the status from the order service', async () => {
    const { client, ask } = await visitor()
    const { text } = await ask(`我的订单 ${DEMO_ORDERS.shipped} 到哪了？`)
    expect(text).toMatch(/^订单 KF20261101：已发货。承运商 .*顺丰.*，运单号 SF1234567890。预计 \d{4}-\d{2}-\d{2} 送达。$/)
    client.close()
  })

  it('says the order service is unavailable when it is too slow, and hands the conversation to a person', async () => {
    const { client, ask } = await visitor()
    const started = performance.now()
    const { conv, text } = await ask(`where is order ${DEMO_ORDERS.slow}?`)
    expect(text).toBe('Sorry, the order service is unavailable right now.')
    expect(performance.now() - started).toBeLessThan(3000 + 1500) // the demo's 3 s timeout, not the fake's 10 s
    await server.deps.bot!.idle()
    expect((await server.deps.store.getConversation(conv))!.holder).toBe('human')
    client.close()
  })

  it('a complaint creates a ticket in the fake ticket system, visible on its page', async () => {
    const { client, ask } = await visitor()
    await ask('太差了，我要投诉，茶叶是坏的')
    await server.deps.bot!.idle()
    const page = await (await fetch(`${server.url}${DEMO_FAKE.mount}${DEMO_FAKE.tickets.path}`)).text()
    expect(page).toMatch(/T-\d{4}/)
    expect(page).toContain('太差了，我要投诉，茶叶是坏的')
    client.close()
  })
})
