import { Hono, type Context } from 'hono'
import {
  ErrorCode,
  ScriptSourceSchema,
  type BotOverviewResponse,
  type BotStatsResponse,
  type InvalidScriptBody,
  type ScriptSourceResponse,
} from '../../protocol/index.ts'
import type { AgentAuth } from '../auth/sessions.ts'
import type { ScriptRegistry } from '../bot/registry.ts'
import type { ScriptError } from '../bot/types.ts'
import type { Deps } from '../deps.ts'
import { apiError, parseBody } from './errors.ts'
import { requireAgent } from './guards.ts'

/**
 * /api/sites/:key/bot…: a site's bot scripts, experiment and A/B figures. Agents of the site read; only
 * admins change scripts. An invalid upload answers 422 with line-numbered errors and changes nothing.
 */
export function createBotApi(deps: Deps): Hono {
  const app = new Hono()

  const siteOf = async (c: Context, write = false): Promise<{ site: string; registry: ScriptRegistry; auth: AgentAuth }> => {
    const auth = await requireAgent(c, deps)
    const site = c.req.param('key') ?? ''
    if (!auth.sites.includes(site)) throw apiError(403, ErrorCode.Forbidden, 'not one of your sites')
    if (write && auth.agent.role !== 'admin') throw apiError(403, ErrorCode.Forbidden, 'only admins change the bot')
    if (!deps.bot) throw apiError(503, ErrorCode.NotReady, 'the bot is not running')
    return { site, registry: deps.bot.registry, auth }
  }
  const invalid = (c: Context, errors: ScriptError[]) => {
    const body: InvalidScriptBody = { error: { code: ErrorCode.InvalidScript, message: `${errors.length} problem(s) in the script; nothing changed` }, errors }
    return c.json(body, 422)
  }
  const sourceBody = (registry: ScriptRegistry, site: string, variant: string | null): ScriptSourceResponse => ({
    variant: variant ?? 'experiment',
    version: variant === null ? (registry.experiment(site)?.version ?? null) : (registry.current(site, variant)?.version ?? null),
    source: registry.source(site, variant) ?? '',
  })

  app.get('/:key/bot', async (c) => {
    const { site, registry } = await siteOf(c)
    const body: BotOverviewResponse = registry.list(site)
    return c.json(body)
  })

  app.get('/:key/bot/stats', async (c) => {
    const { site, registry } = await siteOf(c)
    const experiment = registry.experiment(site)?.name ?? null
    const body: BotStatsResponse = { experiment, variants: await deps.store.botStats(site, experiment) }
    return c.json(body)
  })

  app.get('/:key/bot/experiment', async (c) => {
    const { site, registry } = await siteOf(c)
    return c.json(sourceBody(registry, site, null))
  })
  app.put('/:key/bot/experiment', async (c) => {
    const { site, registry, auth } = await siteOf(c, true)
    const { source } = await parseBody(c, ScriptSourceSchema)
    const result = await registry.uploadExperiment(site, source)
    if (!result.ok) return invalid(c, result.errors)
    deps.logger.info({ site, agent: auth.agent.id, experiment: result.value.name, version: result.value.version }, 'experiment uploaded')
    return c.json(sourceBody(registry, site, null))
  })

  app.get('/:key/bot/scripts/:variant', async (c) => {
    const { site, registry } = await siteOf(c)
    const variant = c.req.param('variant')
    if (registry.source(site, variant) === undefined) throw apiError(404, ErrorCode.NotFound, `no script ${variant}`)
    return c.json(sourceBody(registry, site, variant))
  })
  app.put('/:key/bot/scripts/:variant', async (c) => {
    const { site, registry, auth } = await siteOf(c, true)
    const variant = c.req.param('variant')
    const { source } = await parseBody(c, ScriptSourceSchema)
    const result = await registry.upload(site, variant, source)
    if (!result.ok) return invalid(c, result.errors)
    deps.logger.info({ site, variant, agent: auth.agent.id, version: result.value.version }, 'bot script uploaded')
    return c.json(sourceBody(registry, site, variant))
  })

  return app
}
