import * as v from 'valibot'
import type { Analysis, Processor } from '../../bot/types.ts'
import { definePlugin } from '../api.ts'

/**
 * An example plugin, complete and small: a pipeline processor (`daypart`: morning/afternoon/evening/night in
 * the shop's time zone, put into `analysis.extra.daypart`), a rule action (`say-hello`: a greeting for that
 * time of day) and a route (`GET /api/plugins/greeting-time/ping`). Load it with
 * `{ "use": "./greeting-time.ts", "options": { "timeZone": "Asia/Shanghai" } }` in the KEFU_CONFIG file.
 */

type Daypart = 'morning' | 'afternoon' | 'evening' | 'night'
export type DaypartResult = { daypart: Daypart; hour: number; timeZone: string }

const GREETINGS: Record<Daypart, { zh: string; en: string }> = {
  morning: { zh: '早上好', en: 'Good morning' },
  afternoon: { zh: '下午好', en: 'Good afternoon' },
  evening: { zh: '晚上好', en: 'Good evening' },
  night: { zh: '夜深了', en: 'Hello, night owl' },
}

const timeZone = v.pipe(
  v.string(),
  v.check((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz })
      return true
    } catch {
      return false
    }
  }, 'must be an IANA time zone such as Asia/Shanghai'),
)

/** The hour (0-23) at `now` in `tz`. */
const hourIn = (now: number, tz: string): number =>
  Number(new Intl.DateTimeFormat('en-US', { hour: 'numeric', hourCycle: 'h23', timeZone: tz }).format(now))

export const daypartOf = (hour: number): Daypart => (hour >= 5 && hour < 12 ? 'morning' : hour >= 12 && hour < 18 ? 'afternoon' : hour >= 18 && hour < 23 ? 'evening' : 'night')

export default definePlugin({
  name: 'greeting-time',
  options: v.object({ timeZone: v.optional(timeZone, 'Asia/Shanghai') }),
  setup(api) {
    const daypartAt = (now: number, tz: string): DaypartResult => {
      const hour = hourIn(now, tz)
      return { daypart: daypartOf(hour), hour, timeZone: tz }
    }

    // A script can set its own zone: `processors: { daypart: { timeZone: Europe/Paris } }`.
    api.addProcessor('daypart', (settings): Processor => {
      const tz = v.parse(v.optional(timeZone, api.options.timeZone), settings.timeZone)
      return {
        name: 'daypart',
        run(analysis: Analysis, ctx) {
          analysis.extra.daypart = daypartAt(ctx.now, tz)
        },
      }
    })

    api.addAction('say-hello', async (ctx) => {
      const found = ctx.analysis.extra.daypart as DaypartResult | undefined
      const { daypart } = found ?? daypartAt(Date.now(), api.options.timeZone)
      const zh = /\p{Script=Han}/u.test(ctx.analysis.text)
      const greeting = GREETINGS[daypart][zh ? 'zh' : 'en']
      const name = ctx.visitor.name?.replace(/[{}]/g, '') ?? ''
      const reply = zh
        ? `${greeting}${name ? '，{{vars.name}}' : ''}！有什么可以帮您？`
        : `${greeting}${name ? ', {{vars.name}}' : ''}! How can I help?`
      return { vars: { name, daypart }, replies: [reply] }
    })

    api.routes.get('/ping', (c) => c.json({ ok: true, plugin: 'greeting-time', timeZone: api.options.timeZone }))
  },
})
