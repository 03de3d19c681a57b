import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFakeServices, DEMO_FAKE, type FakeServices } from '../demo/fake-services.ts'
import type { ActionHandler } from '../bot/types.ts'
import { createPluginHost, type PluginHost } from './host.ts'
import { actionContext, captureLogger, closedPortUrl, rendered, serveApp, type Served } from './test-support.ts'

describe('ticket plugin against the fake ticket system', () => {
  let fake: FakeServices
  let served: Served
  const hosts: PluginHost[] = []
  const log = captureLogger()

  beforeAll(async () => {
    fake = createFakeServices()
    served = await serveApp(new Hono().route(DEMO_FAKE.mount, fake.app))
  })
  afterAll(async () => {
    for (const host of hosts) await host.close()
    await served.close()
  })

  const ticketsUrl = () => `${served.url}${DEMO_FAKE.mount}${DEMO_FAKE.tickets.path}`
  async function action(options: Record<string, unknown> = {}): Promise<ActionHandler> {
    const host = await createPluginHost({
      logger: log.logger,
      config: { source: 'test', baseDir: '.', dataDir: '/tmp/kefu-none', plugins: [{ use: 'ticket', options: { url: ticketsUrl(), authHeader: `Bearer ${DEMO_FAKE.tickets.token}`, ...options } }] },
    })
    hosts.push(host)
    return host.actions.get('ticket')!
  }

  it('creates a ticket from the message, replies with its number, and the ticket shows on the fake helpdesk page', async () => {
    const handler = await action()
    const text = '我要退货，包装破损了 <b>请尽快</b>'
    const result = await handler(actionContext(text, { args: { subject: '退货申请', priority: 'high', labels: ['return'] }, logger: log.logger }))
    expect(result.handoff).toBeUndefined()
    expect(result.vars).toEqual({ ticketId: 'T-1001' })
    expect(rendered(result)).toEqual(['已为您创建工单 #T-1001，我们会尽快处理。'])
    expect(fake.tickets.at(-1)).toMatchObject({
      id: 'T-1001', subject: '退货申请', body: text, priority: 'high', labels: ['return'], conversationId: 'conv-1', site: 'demo',
      requester: { name: '王小明', email: 'xiaoming@example.com', visitorId: 'visitor-1' },
    })

    const second = await handler(actionContext('Please call me back about my refund', { logger: log.logger }))
    expect(rendered(second)).toEqual(["Ticket #T-1002 created; we'll get back to you soon."])
    expect(fake.tickets.at(-1)).toMatchObject({ subject: 'Please call me back about my refund', priority: 'normal', labels: [] })

    const page = await fetch(ticketsUrl())
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toContain('text/html')
    const html = await page.text()
    expect(html).toContain('T-1001')
    expect(html).toContain('T-1002')
    expect(html).toContain('退货申请')
    expect(html).toContain('&lt;b&gt;请尽快&lt;/b&gt;') // the visitor's text is escaped, never markup
    expect(html).not.toContain('<b>请尽快</b>')
  })

  it('the fake refuses a wrong token (401) and a bad body (400), like a real helpdesk', async () => {
    const before = fake.tickets.length
    const wrong = await fetch(ticketsUrl(), { method: 'POST', headers: { authorization: 'Bearer nope', 'content-type': 'application/json' }, body: '{}' })
    expect(wrong.status).toBe(401)
    const bad = await fetch(ticketsUrl(), { method: 'POST', headers: { authorization: `Bearer ${DEMO_FAKE.tickets.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ subject: 'x' }) })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: string }).error).toMatch(/body|priority|requester/)
    expect(fake.tickets.length).toBe(before)
  })

  it('says it failed and hands off when the helpdesk refuses the token', async () => {
    const result = await (await action({ authHeader: 'Bearer wrong' }))(actionContext('需要发票', { logger: log.logger }))
    expect(result.handoff).toBe('plugin')
    expect(rendered(result)).toEqual(['抱歉，暂时无法创建工单。'])
  })

  it('hands off when the helpdesk is unreachable', async () => {
    const dead = await closedPortUrl()
    const result = await (await action({ url: `${dead}/tickets` }))(actionContext('I need an invoice', { logger: log.logger }))
    expect(result.handoff).toBe('plugin')
    expect(rendered(result)).toEqual(["Sorry, we couldn't create a ticket right now."])
  })

  it('ignores a bad arg (a made-up priority) but keeps the good ones, rather than losing the request', async () => {
    const result = await (await action())(actionContext('Broken teapot lid', { args: { priority: 'asap', labels: ['damaged'] }, logger: log.logger }))
    expect(result.handoff).toBeUndefined()
    expect(fake.tickets.at(-1)).toMatchObject({ subject: 'Broken teapot lid', priority: 'normal', labels: ['damaged'] })
    expect(log.lines().some((l) => l.msg === 'ticket arg ignored' && l.arg === 'priority')).toBe(true)
  })

  it('takes a two-language subject from the script in the visitor language', async () => {
    const subject = { zh: '投诉', en: 'Complaint' }
    await (await action())(actionContext('太差了，我要投诉', { args: { subject }, logger: log.logger }))
    expect(fake.tickets.at(-1)!.subject).toBe('投诉')
    await (await action())(actionContext('This is terrible', { args: { subject }, logger: log.logger }))
    expect(fake.tickets.at(-1)!.subject).toBe('Complaint')
  })

  it('sends the trace id and never logs the token', async () => {
    await (await action())(actionContext('hello', { logger: log.logger }))
    expect(fake.requests.at(-1)!.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
    expect(log.text()).not.toContain(DEMO_FAKE.tickets.token)
    expect(log.text()).toContain('"msg":"ticket created"')
  })
})
