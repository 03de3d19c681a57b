import * as v from 'valibot'
import type { ActionContext, ActionResult } from '../bot/types.ts'
import { definePlugin } from './api.ts'
import { PluginHttpError } from './http.ts'
import { pickLanguage, type Bilingual } from '../bot/template.ts'
import { plainVar, replyText, serviceOptions } from './service.ts'

/**
 * `order-status`: looks up the order number the pipeline found in the company's order service
 * (`GET <url>/<order>`, `Authorization: <authHeader>`) and answers with its status. When the service cannot
 * answer (down, slow, refusing us, talking nonsense) it says so and hands off: a person can still help.
 */
const Options = v.object(serviceOptions)

/** What we need from the order service's answer; anything else in it is ignored. */
const OrderAnswer = v.object({
  status: v.pipe(v.string(), v.minLength(1), v.maxLength(50)),
  carrier: v.nullish(v.string()),
  trackingNo: v.nullish(v.string()),
  eta: v.nullish(v.string()),
})

export const ORDER_STATUS_TEXT: Record<string, Bilingual> = {
  pending: { zh: '待付款', en: 'awaiting payment' },
  paid: { zh: '已付款，正在备货', en: 'paid, being prepared' },
  packed: { zh: '已打包，即将发货', en: 'packed, about to ship' },
  shipped: { zh: '已发货', en: 'shipped' },
  delivered: { zh: '已签收', en: 'delivered' },
  cancelled: { zh: '已取消', en: 'cancelled' },
  refunded: { zh: '已退款', en: 'refunded' },
}

/** Default replies; a script can override each through the action's args (`ask`, `found`, `notFound`, `down`). */
export const ORDER_REPLIES = {
  ask: { zh: '请告诉我您的订单号，我来帮您查询。', en: "Please tell me your order number and I'll look it up." },
  notFound: { zh: '没有找到订单 {{vars.order}}，请核对订单号后再试。', en: "We couldn't find order {{vars.order}}. Please check the number and try again." },
  down: { zh: '抱歉，订单系统暂时无法查询。', en: 'Sorry, the order service is unavailable right now.' },
} as const satisfies Record<string, Bilingual>

/** The found reply, built from the fields the service gave (every value goes through `vars`). */
function foundReply(vars: Record<string, string>): Bilingual {
  const zh = ['订单 {{vars.order}}：{{vars.statusText}}。']
  const en = ['Order {{vars.order}}: {{vars.statusText}}.']
  if (vars.carrier) {
    zh.push(vars.trackingNo ? '承运商 {{vars.carrier}}，运单号 {{vars.trackingNo}}。' : '承运商 {{vars.carrier}}。')
    en.push(vars.trackingNo ? 'Carrier: {{vars.carrier}}, tracking number {{vars.trackingNo}}.' : 'Carrier: {{vars.carrier}}.')
  }
  if (vars.eta && vars.status !== 'delivered' && vars.status !== 'cancelled') {
    zh.push('预计 {{vars.eta}} 送达。')
    en.push('Expected delivery: {{vars.eta}}.')
  }
  return { zh: zh.join(''), en: en.join(' ') }
}

export default definePlugin({
  name: 'order-status',
  options: Options,
  setup(api) {
    const base = api.options.url.replace(/\/+$/, '')
    const headers: Record<string, string> = { accept: 'application/json' }
    if (api.options.authHeader) headers.authorization = api.options.authHeader

    api.addAction('order-status', async (ctx: ActionContext): Promise<ActionResult> => {
      const lang = pickLanguage(ctx.analysis.text)
      const entity = ctx.analysis.entities.find((e) => e.type === 'order')
      if (!entity) return { replies: [replyText(ctx, 'ask', ORDER_REPLIES.ask, lang)] }
      const order = plainVar(entity.value, 64)
      const log = ctx.logger.child({ plugin: 'order-status' })
      const down = (reason: string): ActionResult => {
        log.warn({ order, reason }, 'order service unavailable; handing off')
        return { vars: { order }, replies: [replyText(ctx, 'down', ORDER_REPLIES.down, lang)], handoff: 'plugin' }
      }

      let response: Response
      try {
        response = await api.http.request(`${base}/${encodeURIComponent(entity.value)}`, { headers, traceId: ctx.traceId, timeoutMs: api.options.timeoutMs })
      } catch (error) {
        if (error instanceof PluginHttpError) return down(error.code)
        throw error
      }
      if (response.status === 404) return { vars: { order }, replies: [replyText(ctx, 'notFound', ORDER_REPLIES.notFound, lang)] }
      if (response.status !== 200) return down(`status ${response.status}`)
      let body: unknown
      try {
        body = await response.json()
      } catch {
        return down('answer is not JSON')
      }
      const parsed = v.safeParse(OrderAnswer, body)
      if (!parsed.success) return down(`answer has no usable status (${v.getDotPath(parsed.issues[0]) ?? 'body'})`)
      const answer = parsed.output
      const statusText = ORDER_STATUS_TEXT[answer.status]?.[lang] ?? answer.status
      const vars = {
        order,
        status: plainVar(answer.status, 50),
        statusText: plainVar(statusText, 100),
        carrier: plainVar(answer.carrier),
        trackingNo: plainVar(answer.trackingNo, 64),
        eta: plainVar(answer.eta, 40),
      }
      return { vars, replies: [replyText(ctx, 'found', foundReply(vars), lang)] }
    })
  },
})
