import * as v from 'valibot'
import type { ActionContext, ActionResult } from '../bot/types.ts'
import { definePlugin } from './api.ts'
import { PluginHttpError } from './http.ts'
import { pickLanguage, type Bilingual } from '../bot/template.ts'
import { plainVar, replyText, serviceOptions } from './service.ts'

/**
 * `ticket`: creates a ticket in the company's helpdesk (`POST <url>` with a JSON body) from the visitor's
 * message, so a question that needs work later is not lost; when that fails the bot says so and hands off.
 */
const Options = v.object(serviceOptions)

const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const
const LIMITS = { subject: 120, body: 4000, labels: 20 } as const

/** The script's args, each checked on its own: a bad one falls back to its default rather than lose the visitor's request. */
const ARGS = {
  subject: v.union([v.string(), v.object({ zh: v.string(), en: v.string() })]),
  priority: v.picklist(PRIORITIES),
  labels: v.array(v.pipe(v.string(), v.trim(), v.minLength(1))),
}

function readArg<S extends v.GenericSchema>(ctx: ActionContext, key: keyof typeof ARGS & string, schema: S): v.InferOutput<S> | undefined {
  if (ctx.args[key] === undefined) return undefined
  const parsed = v.safeParse(schema, ctx.args[key])
  if (parsed.success) return parsed.output
  ctx.logger.warn({ plugin: 'ticket', arg: key }, 'ticket arg ignored')
  return undefined
}

/** The helpdesk's answer: its id for the ticket. */
const Created = v.object({ id: v.pipe(v.union([v.string(), v.number()]), v.transform(String), v.minLength(1)) })

export const TICKET_REPLIES = {
  created: { zh: '已为您创建工单 #{{vars.ticketId}}，我们会尽快处理。', en: "Ticket #{{vars.ticketId}} created; we'll get back to you soon." },
  failed: { zh: '抱歉，暂时无法创建工单。', en: "Sorry, we couldn't create a ticket right now." },
} as const satisfies Record<string, Bilingual>

const DEFAULT_SUBJECT: Bilingual = { zh: '来自在线客服的请求', en: 'Request from live chat' }

export default definePlugin({
  name: 'ticket',
  options: Options,
  setup(api) {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' }
    if (api.options.authHeader) headers.authorization = api.options.authHeader

    api.addAction('ticket', async (ctx: ActionContext): Promise<ActionResult> => {
      const lang = pickLanguage(ctx.analysis.text)
      const log = ctx.logger.child({ plugin: 'ticket' })
      const subjectArg = readArg(ctx, 'subject', ARGS.subject)
      const subject = typeof subjectArg === 'object' ? subjectArg[lang] : subjectArg
      const firstLine = ctx.analysis.text.trim().split('\n')[0] ?? ''
      const labels = readArg(ctx, 'labels', ARGS.labels)
      const payload = {
        subject: (subject?.trim() || firstLine || DEFAULT_SUBJECT[lang]).slice(0, LIMITS.subject),
        body: ctx.analysis.text.slice(0, LIMITS.body),
        priority: readArg(ctx, 'priority', ARGS.priority) ?? 'normal',
        requester: { name: ctx.visitor.name, email: ctx.visitor.email, visitorId: ctx.visitor.id },
        conversationId: ctx.conversationId,
        site: ctx.site,
        labels: (labels ?? []).slice(0, LIMITS.labels),
      }
      const failed = (reason: string): ActionResult => {
        log.warn({ reason }, 'ticket not created; handing off')
        return { replies: [replyText(ctx, 'failed', TICKET_REPLIES.failed, lang)], handoff: 'plugin' }
      }

      let response: Response
      try {
        response = await api.http.request(api.options.url, { method: 'POST', headers, body: JSON.stringify(payload), traceId: ctx.traceId, timeoutMs: api.options.timeoutMs })
      } catch (error) {
        if (error instanceof PluginHttpError) return failed(error.code)
        throw error
      }
      if (response.status !== 200 && response.status !== 201) return failed(`status ${response.status}`)
      let body: unknown
      try {
        body = await response.json()
      } catch {
        return failed('answer is not JSON')
      }
      const created = v.safeParse(Created, body)
      if (!created.success) return failed('answer has no ticket id')
      const ticketId = plainVar(created.output.id, 64)
      log.info({ ticketId }, 'ticket created')
      return { vars: { ticketId }, replies: [replyText(ctx, 'created', TICKET_REPLIES.created, lang)] }
    })
  },
})
