import { emptyAnalysis, type Analysis, type Entity, type Processor, type ProcessorContext, type ProcessorFactory, type Token } from '../types.ts'
import { extractEntities } from './entities.ts'
import { analyzeSentiment } from './sentiment.ts'
import { tokenize } from './tokenize.ts'

/** Where "today" is when the script names no business-hours time zone. */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai'
/** How many intents `analysis.ranking` keeps. */
export const DEFAULT_RANKING = 3

/** A processor failed; `message` names it, so a bot turn's recorded error says which step broke. */
export class ProcessorError extends Error {
  constructor(
    readonly processor: string,
    cause: unknown,
  ) {
    super(`processor "${processor}" failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
    this.name = 'ProcessorError'
  }
}

/**
 * Runs the processors in order on a fresh analysis of `text`; each sees what the earlier ones wrote.
 * The first one that throws stops the run with a ProcessorError naming it (the caller decides what then).
 */
export async function runPipeline(processors: readonly Processor[], text: string, ctx: ProcessorContext): Promise<Analysis> {
  const analysis = emptyAnalysis(text)
  for (const processor of processors) {
    try {
      await processor.run(analysis, ctx)
    } catch (error) {
      throw new ProcessorError(processor.name, error)
    }
  }
  return analysis
}

/**
 * The tokens to work on: what `tokenize` (or a site's own tokenizer) put in the analysis, else the text
 * tokenized here, without writing them back (so a pipeline without `tokenize` records no tokens but its
 * intent and sentiment still work).
 */
const tokensOf = (analysis: Analysis): readonly Token[] => (analysis.tokens.length > 0 ? analysis.tokens : tokenize(analysis.text))

const tokenizeProcessor: ProcessorFactory = () => ({
  name: 'tokenize',
  run(analysis) {
    analysis.tokens = tokenize(analysis.text)
  },
})

/**
 * Settings: `timeZone` (IANA name; default: the script's business-hours zone, else Asia/Shanghai) and
 * `orderPattern` (overrides the script's `orderPattern`, e.g. for an A/B variant). Entities an earlier
 * processor found stay; ours are added where they do not overlap them.
 */
const entitiesProcessor: ProcessorFactory = (settings) => {
  const timeZone = optionalString(settings, 'entities', 'timeZone')
  if (timeZone !== undefined) checkTimeZone(timeZone)
  const orderPattern = optionalString(settings, 'entities', 'orderPattern')
  return {
    name: 'entities',
    run(analysis, ctx) {
      const found = extractEntities(analysis.text, {
        orderPattern: orderPattern ?? ctx.script.settings.orderPattern,
        now: ctx.now,
        timeZone: timeZone ?? ctx.script.settings.businessHours?.timeZone ?? DEFAULT_TIME_ZONE,
      })
      const earlier = analysis.entities
      const overlaps = (e: Entity) => earlier.some((x) => e.start < x.end && x.start < e.end)
      analysis.entities = [...earlier, ...found.filter((e) => !overlaps(e))].sort((a, b) => a.start - b.start)
    },
  }
}

/** Settings: `ranking` (how many intents to keep, default 3). Intent stays null when the script has no intents. */
const intentProcessor: ProcessorFactory = (settings) => {
  const ranking = settings.ranking ?? DEFAULT_RANKING
  if (typeof ranking !== 'number' || !Number.isInteger(ranking) || ranking < 1) throw new Error('intent: ranking must be a whole number ≥ 1')
  return {
    name: 'intent',
    run(analysis, ctx) {
      if (ctx.script.intents.length === 0) {
        analysis.intent = null
        analysis.ranking = []
        return
      }
      analysis.ranking = ctx.script.classifier.classify(tokensOf(analysis), ranking)
      analysis.intent = analysis.ranking[0] ?? null
    },
  }
}

const sentimentProcessor: ProcessorFactory = () => ({
  name: 'sentiment',
  run(analysis) {
    analysis.sentiment = analyzeSentiment(tokensOf(analysis))
  },
})

/**
 * The processors every script may name in `settings.pipeline`. Factories throw on bad settings.
 * No prototype, so `'toString' in builtinProcessors` is false and a pipeline cannot name Object's methods.
 */
export const builtinProcessors: Readonly<Record<string, ProcessorFactory>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, ProcessorFactory>, {
    tokenize: tokenizeProcessor,
    entities: entitiesProcessor,
    intent: intentProcessor,
    sentiment: sentimentProcessor,
  }),
)

function optionalString(settings: Record<string, unknown>, processor: string, key: string): string | undefined {
  const value = settings[key]
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value === '') throw new Error(`${processor}: ${key} must be a non-empty string`)
  return value
}

function checkTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone })
  } catch {
    throw new Error(`entities: unknown time zone "${timeZone}" (use an IANA name such as Asia/Shanghai)`)
  }
}
