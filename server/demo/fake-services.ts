import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { createMiddleware } from 'hono/factory'
import { html } from 'hono/html'
import * as v from 'valibot'

/**
 * Pretend company services for the demo: an order service and a ticket system, served by Kefu itself at
 * `/demo/fake` so the built-in plugins really call out over HTTP. They check what the real ones would
 * (bearer token, JSON body) so a misconfigured plugin fails here the way it would in production.
 */
export const DEMO_FAKE = {
  mount: '/demo/fake',
  orders: { path: '/orders', token: 'demo-orders-token' },
  tickets: { path: '/tickets', token: 'demo-tickets-token' },
  /** How long the "slow" order takes to answer: longer than the plugin's timeout, so it counts as down. */
  slowMs: 10_000,
  /** The ticket list is kept in memory; the oldest go first past this. */
  maxTickets: 500,
  maxBodyBytes: 64 * 1024,
  firstTicket: 1001,
} as const

/** Order numbers to try in the demo shop. */
export const DEMO_ORDERS = {
  shipped: 'KF20261101',
  delivered: 'KF20261102',
  paid: 'KF20261103',
  packed: 'KF20261105',
  cancelled: 'KF20261104',
  /** Answers after `slowMs`: the plugin times out and hands off. */
  slow: 'KF99999999',
  /** Answers 503 at once: the plugin says the service is down and hands off. */
  down: 'KF00000503',
} as const

/** The plugin configuration the demo runs with when `KEFU_CONFIG` is not set. */
export function demoPluginEntries(baseUrl: string): { use: string; options: Record<string, unknown> }[] {
  const base = `${baseUrl.replace(/\/+$/, '')}${DEMO_FAKE.mount}`
  return [
    { use: 'order-status', options: { url: `${base}${DEMO_FAKE.orders.path}`, authHeader: `Bearer ${DEMO_FAKE.orders.token}`, timeoutMs: 3000 } },
    { use: 'ticket', options: { url: `${base}${DEMO_FAKE.tickets.path}`, authHeader: `Bearer ${DEMO_FAKE.tickets.token}`, timeoutMs: 3000 } },
  ]
}

type Order = { order: string; status: string; carrier: string | null; trackingNo: string | null; eta: string | null; items: { name: string; qty: number }[] }

const TicketBody = v.strictObject({
  subject: v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(200)),
  body: v.pipe(v.string(), v.maxLength(10_000)),
  priority: v.picklist(['low', 'normal', 'high', 'urgent']),
  requester: v.object({
    name: v.nullable(v.pipe(v.string(), v.maxLength(200))),
    email: v.nullable(v.pipe(v.string(), v.email())),
    visitorId: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
  }),
  conversationId: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
  site: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
  labels: v.pipe(v.array(v.pipe(v.string(), v.maxLength(100))), v.maxLength(20)),
})
export type FakeTicket = v.InferOutput<typeof TicketBody> & { id: string; createdAt: string }

/** What the fakes saw, for tests: method, path and the two headers that matter. */
export type FakeRequest = { method: string; path: string; authorization: string | null; traceparent: string | null }

export type FakeServices = {
  app: Hono
  tickets: readonly FakeTicket[]
  requests: readonly FakeRequest[]
}

const MAX_REQUESTS_KEPT = 200
const DAY_MS = 86_400_000

export function createFakeServices(options: { slowMs?: number; now?: () => number } = {}): FakeServices {
  const slowMs = options.slowMs ?? DEMO_FAKE.slowMs
  const now = options.now ?? Date.now
  const tickets: FakeTicket[] = []
  const requests: FakeRequest[] = []
  let nextTicket: number = DEMO_FAKE.firstTicket
  const app = new Hono()

  app.use('*', async (c, next) => {
    requests.push({ method: c.req.method, path: c.req.path, authorization: c.req.header('authorization') ?? null, traceparent: c.req.header('traceparent') ?? null })
    if (requests.length > MAX_REQUESTS_KEPT) requests.shift()
    await next()
  })

  const bearer = (expected: string) =>
    createMiddleware(async (c, next) => {
      if (c.req.header('authorization') !== `Bearer ${expected}`) return c.json({ error: 'unauthorized' }, 401)
      await next()
    })

  app.use(`${DEMO_FAKE.orders.path}/*`, bearer(DEMO_FAKE.orders.token))
  app.get(`${DEMO_FAKE.orders.path}/:no`, async (c) => {
    const no = c.req.param('no').toUpperCase()
    if (c.req.query('down') === '1' || no === DEMO_ORDERS.down) return c.json({ error: 'service unavailable' }, 503)
    if (no === DEMO_ORDERS.slow) {
      await sleep(slowMs, c.req.raw.signal)
      return c.json({ error: 'too late' }, 504)
    }
    const order = demoOrders(now()).get(no)
    return order ? c.json(order) : c.json({ error: 'not found' }, 404)
  })

  app.post(DEMO_FAKE.tickets.path, bodyLimit({ maxSize: DEMO_FAKE.maxBodyBytes, onError: (c) => c.json({ error: 'body too large' }, 413) }), bearer(DEMO_FAKE.tickets.token), async (c) => {
    let raw: unknown
    try {
      raw = await c.req.json()
    } catch {
      return c.json({ error: 'body is not JSON' }, 400)
    }
    const parsed = v.safeParse(TicketBody, raw)
    if (!parsed.success) {
      const issue = parsed.issues[0]
      return c.json({ error: `${v.getDotPath(issue) ?? 'body'}: ${issue.message}` }, 400)
    }
    const ticket: FakeTicket = { ...parsed.output, id: `T-${nextTicket++}`, createdAt: new Date(now()).toISOString() }
    tickets.push(ticket)
    if (tickets.length > DEMO_FAKE.maxTickets) tickets.shift()
    return c.json({ id: ticket.id }, 201)
  })

  // Open to the demo visitor (no token) so they can watch their ticket arrive; everything is escaped by `html`.
  app.get(DEMO_FAKE.tickets.path, (c) => {
    c.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'")
    c.header('Cache-Control', 'no-store')
    return c.html(html`<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><meta http-equiv="refresh" content="5"><meta name="viewport" content="width=device-width">
<title>Demo tickets · 演示工单系统</title>
<style>body{font:15px system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}.empty{color:#777}</style></head>
<body>
<h1>Demo ticket system · 演示工单系统</h1>
<p>A pretend helpdesk: tickets the assistant creates appear here (refreshes every 5 s). 助手创建的工单会显示在这里。</p>
${tickets.length === 0
  ? html`<p class="empty">No tickets yet · 暂无工单</p>`
  : html`<table><thead><tr><th>#</th><th>Subject 主题</th><th>Priority 优先级</th><th>Requester 提交人</th><th>Message 内容</th><th>Labels 标签</th><th>Created 创建时间</th></tr></thead><tbody>
${[...tickets].reverse().map((t) => html`<tr><td>${t.id}</td><td>${t.subject}</td><td>${t.priority}</td><td>${t.requester.name ?? t.requester.visitorId}${t.requester.email ? html`<br>${t.requester.email}` : ''}</td><td>${t.body}</td><td>${t.labels.join(', ')}</td><td>${t.createdAt}</td></tr>`)}
</tbody></table>`}
</body></html>`)
  })

  return { app, tickets, requests }
}

/** The demo orders; dates are relative to today so "arrives tomorrow" stays true. */
function demoOrders(at: number): Map<string, Order> {
  const day = (offset: number) => new Date(at + offset * DAY_MS).toISOString().slice(0, 10)
  const list: Order[] = [
    { order: DEMO_ORDERS.shipped, status: 'shipped', carrier: '顺丰速运 SF Express', trackingNo: 'SF1234567890', eta: day(1), items: [{ name: '西湖龙井 Longjing tea 250 g', qty: 1 }] },
    { order: DEMO_ORDERS.delivered, status: 'delivered', carrier: '京东物流 JD Logistics', trackingNo: 'JD0098765432', eta: day(-2), items: [{ name: '紫砂壶 Yixing teapot', qty: 1 }] },
    { order: DEMO_ORDERS.paid, status: 'paid', carrier: null, trackingNo: null, eta: day(3), items: [{ name: '白茶饼 White tea cake', qty: 2 }] },
    { order: DEMO_ORDERS.packed, status: 'packed', carrier: null, trackingNo: null, eta: day(2), items: [{ name: '竹茶盘 Bamboo tea tray', qty: 1 }] },
    { order: DEMO_ORDERS.cancelled, status: 'cancelled', carrier: null, trackingNo: null, eta: null, items: [{ name: '茶杯 Tea cups ×4', qty: 1 }] },
  ]
  return new Map(list.map((o) => [o.order, o]))
}

/** Resolves after `ms`, or early when the caller hangs up (so a closed connection frees the timer). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener('abort', () => {
      clearTimeout(timer)
      resolve()
    }, { once: true })
  })
}
