import type { Logger } from 'pino'

/**
 * The bot's contracts: pipeline processors, the compiled script, rule decisions and plugin actions.
 * Everything here is data or a small interface so a site (or a plugin) can replace any part.
 */

/** One token of a message. `norm` is NFKC, lower-cased and width-folded: what classifiers and keyword rules compare. */
export type Token = { text: string; norm: string; start: number; end: number; isWord: boolean }

export type EntityType = 'phone' | 'email' | 'order' | 'date' | (string & {})
/** `value` is normalised (phone digits only, email lower-cased, date as YYYY-MM-DD); `text` is what the visitor typed. */
export type Entity = { type: EntityType; value: string; text: string; start: number; end: number }

/**
 * `confidence` is in [0, 1] and absolute, not just relative to the other intents: a message about
 * nothing the script knows scores low for every intent, so "low confidence" can mean "hand off".
 */
export type IntentScore = { intent: string; confidence: number }

/** `score` in [-1, 1]; `matches` are the lexicon entries that counted (with negation applied). */
export type Sentiment = { score: number; label: 'negative' | 'neutral' | 'positive'; matches: string[] }

/** What the pipeline learned about one message. Processors fill it in, in order. */
export type Analysis = {
  text: string
  tokens: Token[]
  entities: Entity[]
  /** The best intent, or null when there is none (no classifier ran, or the script has no intents). */
  intent: IntentScore | null
  /** The best few intents, best first. */
  ranking: IntentScore[]
  sentiment: Sentiment | null
  /** Results of a site's own processors, by processor name (JSON values only: they are stored). */
  extra: Record<string, unknown>
}

export const emptyAnalysis = (text: string): Analysis => ({ text, tokens: [], entities: [], intent: null, ranking: [], sentiment: null, extra: {} })

/** Trained from a script's example phrases. */
export interface IntentClassifier {
  /** Best first; at most `limit` (default 3). */
  classify(tokens: readonly Token[], limit?: number): IntentScore[]
}
export type TrainExample = { intent: string; tokens: Token[] }

export type ProcessorContext = { script: CompiledScript; now: number }

/** One step of the pipeline. It reads and writes `analysis` (mutating it is expected). */
export interface Processor {
  readonly name: string
  run(analysis: Analysis, ctx: ProcessorContext): void | Promise<void>
}
/** Builds a processor for a script; `settings` are the script's `processors.<name>` block (or {}). */
export type ProcessorFactory = (settings: Record<string, unknown>) => Processor

/** Weekly opening hours in the script's time zone. Days 0 = Sunday ... 6 = Saturday; minutes since midnight. */
export type BusinessHours = { timeZone: string; open: { day: number; from: number; to: number }[] }

export type Condition = {
  /** Any of these words/phrases appears (compared on normalised text, so Chinese works without spaces). */
  keywords?: string[]
  /** The best intent is one of these (and its confidence is at least `minConfidence` of the script). */
  intents?: string[]
  /** An entity of each of these types was found. */
  entities?: string[]
  /** Sentiment score is below / above. */
  sentimentBelow?: number
  sentimentAbove?: number
  /** Within or outside the script's business hours. */
  hours?: 'open' | 'closed'
}

/** What a rule (or the built-in policy) asks for. `action` names an action a plugin added (e.g. `order-status`, `ticket`). */
export type Action =
  | { type: 'reply'; text: string }
  | { type: 'label'; label: string }
  | { type: 'team'; team: string }
  | { type: 'handoff'; reason: string }
  | { type: 'action'; name: string; args: Record<string, unknown> }

export type Rule = { name: string; line: number; when: Condition; do: Action[] }

export type IntentDef = { name: string; examples: string[]; replies: string[] }

export type ScriptSettings = {
  /** Below this best-intent confidence the bot hands off (reason `low_confidence`). */
  minConfidence: number
  /** Sentiment at or below this hands off (reason `negative_sentiment`). */
  handoffSentiment: number
  /** Phrases that mean "a human, please" (reason `visitor_request`); an intent named `handoff` counts too. */
  handoffKeywords: string[]
  /** Site-specific order-number pattern (a RegExp source), null: no order entities. */
  orderPattern: string | null
  businessHours: BusinessHours | null
  /** Processor names in order. Default: tokenize, entities, intent, sentiment. */
  pipeline: string[]
  /** Per-processor settings, by name. */
  processors: Record<string, Record<string, unknown>>
  /** Said when handing off, e.g. "正在为您转接人工客服…"; templates allowed. */
  handoffReply: string | null
}

/** A validated, ready-to-run script. Immutable once built: hot reload swaps whole objects. */
export type CompiledScript = {
  site: string
  variant: string
  /** Content hash of the source (first 12 hex of sha256); recorded with every message it answers. */
  version: string
  source: string
  settings: ScriptSettings
  intents: IntentDef[]
  rules: Rule[]
  classifier: IntentClassifier
  loadedAt: number
}

/** A problem in a script file, 1-based line and column, with a message a person can act on. */
export type ScriptError = { line: number; column: number; message: string }

export type HandoffReason = 'visitor_request' | 'low_confidence' | 'negative_sentiment' | 'rule' | 'plugin' | (string & {})

/** What the bot decided for one message, before actions run. `rules` are the names of the rules that fired. */
export type Decision = { rules: string[]; actions: Action[] }

/** What an action handler (a plugin's) gets. */
export type ActionContext = {
  site: string
  conversationId: string
  visitor: { id: string; userId: string | null; name: string | null; email: string | null }
  analysis: Analysis
  args: Record<string, unknown>
  /** W3C trace id (32 hex) of this conversation's chain of events; outgoing calls carry it as `traceparent`. */
  traceId: string
  logger: Logger
}

/** What an action handler hands back; the engine carries it out (replies are templates: `{{vars.x}}`). */
export type ActionResult = {
  replies?: string[]
  handoff?: HandoffReason
  labels?: string[]
  team?: string
  vars?: Record<string, string>
}
export type ActionHandler = (ctx: ActionContext) => Promise<ActionResult>
