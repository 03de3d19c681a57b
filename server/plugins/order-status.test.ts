import { Hono } from 'hono'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFakeServices, DEMO_FAKE, DEMO_ORDERS, demoPluginEntries, type FakeServices } from '../demo/fake-services.ts'
import type { ActionHandler } from '../bot/types.ts'
import type { PluginEntry } from './config.ts'
import { createPluginHost, type PluginHost } from './host.ts'
import { actionContext, captureLogger, closedPortUrl, orderEntity, rendered, serveApp, TRACE_ID, type Served } from './test-support.ts'

const TOMORROW = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)

describe('order-status plugin against the fake order service', () => {
  let fake: FakeServices
  let served: Served
  const hosts: PluginHost[] = []
  const log = captureLogger()

  beforeAll(async () => {
    fake = createFakeServices({ slowMs: 5000 })
    served = await serveApp(new Hono().route(DEMO_FAKE.mount, fake.app))
  })
  afterAll(async () => {
    for (const host of hosts) await host.close()
    await served.close()
  })

  const ordersUrl = () => `${served.url}${DEMO_FAKE.mount}${DEMO_FAKE.orders.path}`
  async function action(options: Record<string, unknown> = {}): Promise<ActionHandler> {
    const entry: PluginEntry = { use: 'order-status', options: { url: ordersUrl(), authHeader: `Bearer ${DEMO_FAKE.orders.token}`, ...options } }
    const host = await createPluginHost({ logger: log.logger, config: { source: 'test', baseDir: '.', dataDir: '/tmp/kefu-none', plugins: [entry] } })
    hosts.push(host)
    return host.actions.get('order-status')!
  }
  const ask = async (handler: ActionHandler, text: string, order?: string, args?: Record<string, unknown>) =>
    handler(actionContext(text, { entities: order ? [orderEntity(text, order)] : [], args, logger: log.logger }))

  it('answers a Chinese question about a shipped order in Chinese, with carrier, tracking number and date', async () => {
    const result = await ask(await action(), `我的订单 ${DEMO_ORDERS.shipped} 到哪了？`, DEMO_ORDERS.shipped)
    expect(result.handoff).toBeUndefined()
    expect(result.vars).toMatchObject({ order: DEMO_ORDERS.shipped, status: 'shipped', statusText: '已发货', trackingNo: 'SF1234567890', eta: TOMORROW })
    expect(result.vars!.carrier).toContain('顺丰')
    expect(rendered(result)).toEqual([`订单 ${DEMO_ORDERS.shipped}：已发货。承运商 ${result.vars!.carrier}，运单号 SF1234567890。预计 ${TOMORROW} 送达。`])
  })

  it('answers in English when the message has no Chinese', async () => {
    const handler = await action()
    const shipped = await ask(handler, `where is my order ${DEMO_ORDERS.shipped}?`, DEMO_ORDERS.shipped)
    expect(rendered(shipped)[0]).toBe(`Order ${DEMO_ORDERS.shipped}: shipped. Carrier: ${shipped.vars!.carrier}, tracking number SF1234567890. Expected delivery: ${TOMORROW}.`)
    const delivered = await ask(handler, `status of ${DEMO_ORDERS.delivered}`, DEMO_ORDERS.delivered)
    expect(rendered(delivered)[0]).toMatch(/^Order KF20261102: delivered\. Carrier: .+, tracking number JD0098765432\.$/)
    const cancelled = await ask(handler, `status of ${DEMO_ORDERS.cancelled}`, DEMO_ORDERS.cancelled)
    expect(rendered(cancelled)).toEqual(['Order KF20261104: cancelled.'])
  })

  it('maps each demo status to Chinese and English texts', async () => {
    const handler = await action()
    const texts: Record<string, [string, string]> = {
      [DEMO_ORDERS.paid]: ['已付款，正在备货', 'paid, being prepared'],
      [DEMO_ORDERS.packed]: ['已打包，即将发货', 'packed, about to ship'],
      [DEMO_ORDERS.delivered]: ['已签收', 'delivered'],
      [DEMO_ORDERS.cancelled]: ['已取消', 'cancelled'],
    }
    for (const [order, [zh, en]] of Object.entries(texts)) {
      expect((await ask(handler, `查一下 ${order}`, order)).vars!.statusText).toBe(zh)
      expect((await ask(handler, `check ${order}`, order)).vars!.statusText).toBe(en)
    }
  })

  it('lets the script override the reply texts (as templates over vars)', async () => {
    const result = await ask(await action(), `订单 ${DEMO_ORDERS.shipped}`, DEMO_ORDERS.shipped, { found: { zh: '{{vars.order}} → {{vars.statusText}}', en: 'x' } })
    expect(rendered(result)).toEqual([`${DEMO_ORDERS.shipped} → 已发货`])
    const plain = await ask(await action(), 'order KF20260000', 'KF20260000', { notFound: 'Nope: {{vars.order}}' })
    expect(rendered(plain)).toEqual(['Nope: KF20260000'])
  })

  it('says an unknown order was not found, without handing off', async () => {
    const handler = await action()
    const zh = await ask(handler, '订单 KF20269999 怎么样了', 'KF20269999')
    expect(zh.handoff).toBeUndefined()
    expect(rendered(zh)).toEqual(['没有找到订单 KF20269999，请核对订单号后再试。'])
    const en = await ask(handler, 'order KF20269999 please', 'KF20269999')
    expect(rendered(en)).toEqual(["We couldn't find order KF20269999. Please check the number and try again."])
  })

  it('asks for the order number when the message has none, and calls nothing', async () => {
    const handler = await action()
    const before = fake.requests.length
    expect(rendered(await ask(handler, '我的快递到哪了'))).toEqual(['请告诉我您的订单号，我来帮您查询。'])
    expect(rendered(await ask(handler, 'where is my parcel'))).toEqual(["Please tell me your order number and I'll look it up."])
    expect(fake.requests.length).toBe(before)
  })

  it('URL-encodes the order number as one path segment', async () => {
    const result = await ask(await action(), 'order ../tickets', '../tickets')
    expect(fake.requests.at(-1)!.path).toBe(`${DEMO_FAKE.mount}${DEMO_FAKE.orders.path}/..%2Ftickets`)
    expect(result.handoff).toBeUndefined()
    expect(rendered(result)[0]).toContain('../tickets')
  })

  it('sends a well-formed traceparent with the conversation trace id, seen by the service', async () => {
    await ask(await action(), `order ${DEMO_ORDERS.paid}`, DEMO_ORDERS.paid)
    const seen = fake.requests.at(-1)!
    expect(seen.path).toBe(`${DEMO_FAKE.mount}${DEMO_FAKE.orders.path}/${DEMO_ORDERS.paid}`)
    expect(seen.traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`))
    expect(seen.authorization).toBe(`Bearer ${DEMO_FAKE.orders.token}`)
  })

  it('treats a refused token (401) as down: says so and hands off', async () => {
    const result = await ask(await action({ authHeader: 'Bearer wrong-token' }), `订单 ${DEMO_ORDERS.shipped}`, DEMO_ORDERS.shipped)
    expect(fake.requests.at(-1)!.authorization).toBe('Bearer wrong-token')
    expect(result.handoff).toBe('plugin')
    expect(rendered(result)).toEqual(['抱歉，订单系统暂时无法查询。'])
  })

  it('treats a 503 as down', async () => {
    const result = await ask(await action(), `order ${DEMO_ORDERS.down}`, DEMO_ORDERS.down)
    expect(result.handoff).toBe('plugin')
    expect(rendered(result)).toEqual(['Sorry, the order service is unavailable right now.'])
  })

  it('gives up on a slow service after timeoutMs and hands off, without hanging', async () => {
    const handler = await action({ timeoutMs: 300 })
    const started = performance.now()
    const result = await ask(handler, `我的订单 ${DEMO_ORDERS.slow}`, DEMO_ORDERS.slow)
    const took = performance.now() - started
    expect(result.handoff).toBe('plugin')
    expect(rendered(result)).toEqual(['抱歉，订单系统暂时无法查询。'])
    expect(took).toBeLessThan(300 + 400)
    expect(took).toBeGreaterThanOrEqual(290)
  })

  it('hands off when the service is unreachable (nothing listens on the port)', async () => {
    const dead = await closedPortUrl()
    const result = await ask(await action({ url: `${dead}/orders` }), `order ${DEMO_ORDERS.shipped}`, DEMO_ORDERS.shipped)
    expect(result.handoff).toBe('plugin')
    expect(rendered(result)).toEqual(['Sorry, the order service is unavailable right now.'])
  })

  it('hands off on an answer that is not JSON or has no status', async () => {
    const odd = new Hono()
    odd.get('/html/:no', (c) => c.html('<h1>maintenance</h1>'))
    odd.get('/empty/:no', (c) => c.json({ hello: 'world' }))
    const server = await serveApp(odd)
    try {
      expect((await ask(await action({ url: `${server.url}/html` }), 'order KF1', 'KF1')).handoff).toBe('plugin')
      expect((await ask(await action({ url: `${server.url}/empty` }), 'order KF1', 'KF1')).handoff).toBe('plugin')
    } finally {
      await server.close()
    }
  })

  it('never follows a redirect to another host: the other host is never called, and the bot hands off', async () => {
    const otherCalls: string[] = []
    const otherApp = new Hono()
    otherApp.all('*', (c) => {
      otherCalls.push(c.req.path)
      return c.json({ status: 'shipped' })
    })
    const other = await serveApp(otherApp)
    const redirector = new Hono()
    redirector.get('/orders/:no', (c) => c.redirect(`${other.url}/orders/${c.req.param('no')}`, 302))
    const moved = await serveApp(redirector)
    try {
      const result = await ask(await action({ url: `${moved.url}/orders` }), `order ${DEMO_ORDERS.shipped}`, DEMO_ORDERS.shipped)
      expect(result.handoff).toBe('plugin')
      expect(otherCalls).toEqual([])
      expect(log.lines().some((l) => l.code === 'host_not_allowed' && l.plugin === 'order-status')).toBe(true)
    } finally {
      await moved.close()
      await other.close()
    }
  })

  it('never logs the auth header (captured pino output)', async () => {
    const secretLog = captureLogger()
    const secret = 'Bearer do-not-log-this-7f3a'
    const host = await createPluginHost({
      logger: secretLog.logger,
      config: { source: 'test', baseDir: '.', dataDir: '/tmp/kefu-none', plugins: [{ use: 'order-status', options: { url: ordersUrl(), authHeader: secret } }] },
    })
    hosts.push(host)
    const handler = host.actions.get('order-status')!
    await handler(actionContext(`order ${DEMO_ORDERS.shipped}`, { entities: [orderEntity(`order ${DEMO_ORDERS.shipped}`, DEMO_ORDERS.shipped)], logger: secretLog.logger }))
    const text = secretLog.text()
    expect(text).toContain('"plugin":"order-status"')
    expect(text).toContain('"status":401') // the call was made and logged...
    expect(text).not.toContain('do-not-log-this') // ...without its header
  })

  it('runs with the demo defaults over real HTTP to the fake service', async () => {
    const entries = demoPluginEntries(served.url)
    const host = await createPluginHost({ logger: pino({ level: 'silent' }), config: { source: 'demo defaults', baseDir: '.', dataDir: '/tmp/kefu-none', plugins: entries } })
    hosts.push(host)
    const result = await ask(host.actions.get('order-status')!, `查订单 ${DEMO_ORDERS.shipped}`, DEMO_ORDERS.shipped)
    expect(result.vars!.status).toBe('shipped')
  })
})
