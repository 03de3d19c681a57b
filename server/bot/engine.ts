import { createHash } from 'node:crypto'
import type { BotTurn, Conversation, Holder, Message } from '../../protocol/index.ts'
import { broadcastConversation, broadcastMessage } from '../chat.ts'
import type { Deps } from '../deps.ts'
import { ConflictError, type ConversationPatch } from '../store/store.ts'
import { room } from '../ws/hub.ts'
import { assignVariant } from './experiments.ts'
import { builtinProcessors, runPipeline } from './nlp/processors.ts'
import type { ScriptRegistry } from './registry.ts'
import { decide } from './rules.ts'
import { localize, pickLanguage, renderTemplate } from './template.ts'
import type { ActionHandler, Analysis, CompiledScript, HandoffReason, Processor, ProcessorFactory } from './types.ts'

/** What plugins added: processors a script may name in its pipeline and actions its rules may call. */
export type BotExtensions = {
  processors: ReadonlyMap<string, ProcessorFactory>
  actions: ReadonlyMap<string, ActionHandler>
}

export type Bot = {
  registry: ScriptRegistry
  /** Who holds a new (or visitor-reopened) conversation of this site: the bot when the site has a script. */
  holderFor(site: string): Holder
  /** After a visitor message is committed and broadcast: the bot's turn, queued per conversation. Never throws. */
  onVisitorMessage(message: Message, conversation: Pick<Conversation, 'id' | 'holder'>): void
  /** Resolves when every queued turn is done (tests, shutdown). */
  idle(): Promise<void>
}

/** Said on hand-off when the script has no `handoffReply`. */
const HANDOFF_DEFAULT = { zh: '正在为您转接人工客服，请稍候…', en: 'Connecting you with a person, one moment please…' }
const BOT_NAME = { zh: '智能助手', en: 'Assistant' }

/** One trace id per conversation (W3C: 32 hex), so its chain of events can be followed in logs and outgoing calls. */
export const traceIdOf = (conversationId: string): string =>
  createHash('sha256').update(`kefu-trace:${conversationId}`).digest('hex').slice(0, 32)

/**
 * The bot: for each visitor message in a conversation the bot holds, run the script's pipeline, decide
 * with its rules, carry out the actions, and record the turn. The script is captured once per message, so a
 * hot reload in the middle never mixes two versions in one answer.
 */
export function createBot(deps: Deps, registry: ScriptRegistry, extensions: BotExtensions): Bot {
  const { store, hub, logger } = deps
  const queues = new Map<string, Promise<void>>()
  const pipelines = new WeakMap<CompiledScript, Processor[]>()

  const processorsOf = (script: CompiledScript): Processor[] => {
    let list = pipelines.get(script)
    if (!list) {
      list = script.settings.pipeline.map((name) => {
        const factory = builtinProcessors[name] ?? extensions.processors.get(name)
        if (!factory) throw new Error(`unknown processor ${name}`)
        return factory(script.settings.processors[name] ?? {})
      })
      pipelines.set(script, list)
    }
    return list
  }

  /**
   * The script a conversation runs: its variant is fixed on its first bot turn (by the site's experiment, else
   * `default`); a variant that no longer exists falls back to `default`.
   */
  async function scriptOf(conversation: Conversation): Promise<CompiledScript | undefined> {
    const { site } = conversation
    if (conversation.variant !== null) return registry.current(site, conversation.variant) ?? registry.current(site, 'default')
    const experiment = registry.experiment(site)
    const variant = experiment ? assignVariant(experiment.name, conversation.visitorId, experiment.weights) : 'default'
    await patch(conversation, { experiment: { name: experiment?.name ?? null, variant } })
    return registry.current(site, variant) ?? registry.current(site, 'default')
  }

  async function patch(conversation: Conversation, changes: ConversationPatch): Promise<Conversation> {
    const result = await store.updateConversation(conversation.id, changes, deps.clock.now())
    if (result.changed) broadcastConversation(deps, result.conversation)
    return result.conversation
  }

  async function handOff(conversation: Conversation, reason: HandoffReason): Promise<Conversation> {
    const at = deps.clock.now()
    const handed = await patch(conversation, { holder: 'human', handoff: { reason, at } })
    hub.broadcast([room.site(handed.site)], { type: 'handoff', conv: handed.id, reason, at })
    deps.metrics.botHandoffs.inc({ reason })
    return handed
  }

  async function turn(message: Message): Promise<void> {
    let conversation = await store.getConversation(message.conv)
    if (!conversation || conversation.holder !== 'bot' || conversation.status !== 'open') return
    const script = await scriptOf(conversation)
    const now = deps.clock.now()
    const trace = traceIdOf(conversation.id)
    const log = logger.child({ trace, conv: conversation.id })
    if (!script) {
      // The site's script was removed while the bot held this conversation: a person takes it.
      await handOff(conversation, 'no_script')
      return
    }
    const lang = pickLanguage(message.text)
    const record: BotTurn = {
      conv: conversation.id, msgId: message.id, seq: message.seq, intent: null, ranking: [], entities: [], sentiment: null, extra: {},
      version: script.version, variant: script.variant, rules: [], actions: [], handoff: null, error: null, ts: now,
    }
    const visitor = await store.getVisitor(conversation.visitorId)
    const vars: Record<string, string> = {}
    let analysis: Analysis | null = null
    let handoff: HandoffReason | null = null
    let quiet = false // an agent took over mid-turn
    let said = 0

    const say = async (template: string) => {
      const text = renderTemplate(template, {
        entities: analysis?.entities ?? [], visitor: { name: visitor?.name ?? null, email: visitor?.email ?? null },
        intent: analysis?.intent?.intent ?? null, vars,
      }).trim()
      if (text === '' || quiet) return
      try {
        const result = await store.append({
          conv: conversation!.id, sender: 'bot', senderId: `bot:${conversation!.site}`, senderName: localize(BOT_NAME, lang),
          cid: `${message.id}:${said++}`, text, ts: deps.clock.now(), ifHolder: 'bot',
        })
        if (!result.duplicate) broadcastMessage(deps, result.message, result.conversation)
      } catch (error) {
        // An agent took over while the bot was thinking: the bot stays quiet.
        if (!(error instanceof ConflictError)) throw error
        quiet = true
      }
    }

    try {
      const found = await runPipeline(processorsOf(script), message.text, { script, now })
      analysis = found
      record.intent = found.intent
      record.ranking = found.ranking
      record.entities = found.entities
      record.sentiment = found.sentiment
      record.extra = found.extra
      const decision = decide(script, found, now)
      record.rules = decision.rules
      const changes: ConversationPatch = {}
      for (const action of decision.actions) {
        if (handoff || quiet) break
        switch (action.type) {
          case 'reply':
            record.actions.push('reply')
            await say(localize(action.text, lang))
            break
          case 'label':
            record.actions.push(`label ${action.label}`)
            changes.addLabels = [...(changes.addLabels ?? []), action.label]
            break
          case 'team':
            record.actions.push(`team ${action.team}`)
            changes.team = action.team
            break
          case 'handoff':
            handoff = action.reason
            break
          case 'action': {
            record.actions.push(`action ${action.name}`)
            const handler = extensions.actions.get(action.name)
            if (!handler) throw new Error(`unknown action ${action.name}`)
            const result = await handler({
              site: conversation.site, conversationId: conversation.id, analysis: found, args: action.args, traceId: trace, logger: log,
              visitor: { id: conversation.visitorId, userId: visitor?.userId ?? null, name: visitor?.name ?? null, email: visitor?.email ?? null },
            })
            Object.assign(vars, result.vars)
            if (result.labels) changes.addLabels = [...(changes.addLabels ?? []), ...result.labels]
            if (result.team !== undefined) changes.team = result.team
            for (const reply of result.replies ?? []) await say(reply)
            if (result.handoff) handoff = result.handoff
            break
          }
        }
      }
      if (changes.addLabels || changes.team !== undefined) conversation = await patch(conversation, changes)
    } catch (error) {
      // A processor or an action failed: a person takes over rather than the visitor getting nothing.
      record.error = error instanceof Error ? error.message : String(error)
      log.error({ err: error }, 'bot turn failed')
      handoff ??= 'bot_error'
    }

    if (handoff && !quiet) {
      await say(script.settings.handoffReply !== null ? localize(script.settings.handoffReply, lang) : localize(HANDOFF_DEFAULT, lang))
      record.actions.push(`handoff ${handoff}`)
      record.handoff = handoff
      conversation = await handOff(conversation, handoff)
    }
    await store.saveBotTurn(record)
    hub.broadcast([room.site(conversation.site)], { type: 'bot', turn: record })
    deps.metrics.botTurns.inc({ variant: record.variant })
    log.info({ msg_id: message.id, intent: record.intent?.intent, confidence: record.intent?.confidence, version: record.version, variant: record.variant, rules: record.rules, handoff: record.handoff }, 'bot turn')
  }

  return {
    registry,
    holderFor: (site) => (registry.current(site, 'default') ? 'bot' : 'human'),
    onVisitorMessage(message, conversation) {
      if (conversation.holder !== 'bot') return
      // One turn at a time per conversation, in message order.
      const previous = queues.get(conversation.id) ?? Promise.resolve()
      const next = previous
        .then(() => turn(message))
        .catch((error: unknown) => logger.error({ err: error, conv: conversation.id }, 'bot turn crashed'))
        .finally(() => {
          if (queues.get(conversation.id) === next) queues.delete(conversation.id)
        })
      queues.set(conversation.id, next)
    },
    async idle() {
      while (queues.size > 0) await Promise.all([...queues.values()])
    },
  }
}
