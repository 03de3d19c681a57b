import { describe, expect, it } from 'vitest'
import { createFakeServices, DEMO_FAKE, DEMO_ORDERS } from './fake-services.ts'

const orders = { authorization: `Bearer ${DEMO_FAKE.orders.token}` }
const tickets = { authorization: `Bearer ${DEMO_FAKE.tickets.token}`, 'content-type': 'application/json' }
const ticket = {
  subject: 'Refund', body: '<script>alert(1)</script>', priority: 'normal',
  requester: { name: '<img src=x>', email: null, visitorId: 'v1' }, conversationId: 'c1', site: 'demo', labels: ['a&b'],
}

describe('demo fake services', () => {
  it('the order service wants its bearer token, knows the demo orders and 404s the rest', async () => {
    const { app } = createFakeServices({ now: () => Date.parse('2026-11-28T10:00:00Z') })
    expect((await app.request(`/orders/${DEMO_ORDERS.shipped}`)).status).toBe(401)
    expect((await app.request(`/orders/${DEMO_ORDERS.shipped}`, { headers: { authorization: 'Bearer demo-tickets-token' } })).status).toBe(401)
    const res = await app.request(`/orders/${DEMO_ORDERS.shipped.toLowerCase()}`, { headers: orders })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ order: DEMO_ORDERS.shipped, status: 'shipped', trackingNo: 'SF1234567890', eta: '2026-11-29' })
    expect((await app.request('/orders/KF12345678', { headers: orders })).status).toBe(404)
  })

  it('simulates outages: ?down=1 and the down order answer 503, the slow order only after slowMs', async () => {
    const { app } = createFakeServices({ slowMs: 150 })
    expect((await app.request(`/orders/${DEMO_ORDERS.shipped}?down=1`, { headers: orders })).status).toBe(503)
    expect((await app.request(`/orders/${DEMO_ORDERS.down}`, { headers: orders })).status).toBe(503)
    const started = performance.now()
    expect((await app.request(`/orders/${DEMO_ORDERS.slow}`, { headers: orders })).status).toBe(504)
    expect(performance.now() - started).toBeGreaterThanOrEqual(140)
  })

  it('the ticket system numbers tickets, refuses bad bodies, and lists tickets escaped', async () => {
    const fake = createFakeServices()
    const empty = await (await fake.app.request('/tickets')).text()
    expect(empty).toContain('No tickets yet')
    const post = (body: string, headers: Record<string, string> = tickets) => fake.app.request('/tickets', { method: 'POST', headers, body })
    expect((await post(JSON.stringify(ticket), { 'content-type': 'application/json' })).status).toBe(401)
    expect((await post('not json')).status).toBe(400)
    const wrong = await post(JSON.stringify({ ...ticket, priority: 'yesterday' }))
    expect(wrong.status).toBe(400)
    expect(await wrong.json()).toEqual({ error: expect.stringMatching(/^priority: /) })
    expect((await post(JSON.stringify({ ...ticket, body: 'x'.repeat(70_000) }))).status).toBe(413)
    expect(await (await post(JSON.stringify(ticket))).json()).toEqual({ id: 'T-1001' })
    expect(await (await post(JSON.stringify(ticket))).json()).toEqual({ id: 'T-1002' })
    expect(fake.tickets.map((t) => t.id)).toEqual(['T-1001', 'T-1002'])

    const page = await fake.app.request('/tickets')
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'")
    const html = await page.text()
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html).toContain('&lt;img src=x&gt;')
    expect(html).toContain('a&amp;b')
    expect(html).not.toContain('<script>')
    expect(html.indexOf('T-1002')).toBeLessThan(html.indexOf('T-1001')) // newest first
  })
})
