import type { BotTurn } from '../../protocol/index.ts'
import type { Translate } from '../i18n/i18n.ts'
import type { MessageKey } from '../i18n/messages.ts'

/**
 * The compact "why" line under a visitor message the bot answered: what it understood (intent and
 * confidence, entities, sentiment), what it did (rules, actions, hand-off) and which script did it.
 */
export type WhyPart = { kind: 'intent' | 'entities' | 'sentiment' | 'extra' | 'rules' | 'actions' | 'script' | 'handoff' | 'error'; text: string }

/** A site processor's finding, short: JSON, cut to fit the line. */
const EXTRA_MAX = 80
const extraText = (name: string, value: unknown): string => {
  const json = JSON.stringify(value) ?? String(value)
  return `${name} ${json.length > EXTRA_MAX ? `${json.slice(0, EXTRA_MAX - 1)}…` : json}`
}

const REASONS: Readonly<Record<string, MessageKey>> = {
  visitor_request: 'reason.visitor_request',
  low_confidence: 'reason.low_confidence',
  negative_sentiment: 'reason.negative_sentiment',
  rule: 'reason.rule',
  plugin: 'reason.plugin',
  bot_error: 'reason.bot_error',
  no_script: 'reason.no_script',
  complaint: 'reason.complaint',
}
const ENTITY_TYPES: Readonly<Record<string, MessageKey>> = {
  order: 'entity.order',
  phone: 'entity.phone',
  email: 'entity.email',
  date: 'entity.date',
}
const SENTIMENTS: Readonly<Record<string, MessageKey>> = {
  negative: 'sentiment.negative',
  neutral: 'sentiment.neutral',
  positive: 'sentiment.positive',
}

/** A hand-off reason in words; reasons a plugin made up are shown as they are. */
export function reasonText(reason: string, t: Translate): string {
  const key = REASONS[reason]
  return key ? t(key) : reason
}

export function percent(value: number, locale: string): string {
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(value)
}

function signed(score: number): string {
  // A real minus sign reads better than a hyphen next to digits.
  return `${score > 0 ? '+' : score < 0 ? '−' : '±'}${Math.abs(score).toFixed(2)}`
}

export function describeTurn(turn: BotTurn, t: Translate, locale: string): WhyPart[] {
  const parts: WhyPart[] = []
  parts.push({
    kind: 'intent',
    text: turn.intent ? t('why.intent', { intent: turn.intent.intent, confidence: percent(turn.intent.confidence, locale) }) : t('why.noIntent'),
  })
  if (turn.entities.length > 0) {
    const list = turn.entities.map((e) => `${ENTITY_TYPES[e.type] ? t(ENTITY_TYPES[e.type]!) : e.type} ${e.value}`)
    parts.push({ kind: 'entities', text: list.join(', ') })
  }
  if (turn.sentiment) {
    const label = SENTIMENTS[turn.sentiment.label] ? t(SENTIMENTS[turn.sentiment.label]!) : turn.sentiment.label
    parts.push({ kind: 'sentiment', text: `${label} ${signed(turn.sentiment.score)}` })
  }
  // What a site's own processors found.
  for (const [name, value] of Object.entries(turn.extra)) parts.push({ kind: 'extra', text: extraText(name, value) })
  if (turn.rules.length > 0) parts.push({ kind: 'rules', text: t('why.rules', { rules: turn.rules.join(', ') }) })
  // The hand-off has its own part, with the reason in words.
  const actions = turn.actions.filter((a) => !a.startsWith('handoff'))
  if (actions.length > 0) parts.push({ kind: 'actions', text: t('why.actions', { actions: actions.join(', ') }) })
  if (turn.handoff) parts.push({ kind: 'handoff', text: t('why.handoff', { reason: reasonText(turn.handoff, t) }) })
  if (turn.error) parts.push({ kind: 'error', text: t('why.error', { error: turn.error }) })
  parts.push({ kind: 'script', text: t('why.script', { version: turn.version.slice(0, 7), variant: turn.variant }) })
  return parts
}
