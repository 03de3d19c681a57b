import { createHash } from 'node:crypto'
import { isMap, isScalar } from 'yaml'
import { suggestion } from './template.ts'
import { SCRIPT_LIMITS, versionOf, YamlReader } from './script.ts'
import type { ScriptError } from './types.ts'

/**
 * A site's A/B test: `experiment.yaml` beside its scripts splits visitors between variants by weight,
 * with a stable hash of the visitor so that a visitor keeps their variant (across restarts and reloads).
 */

export type Experiment = {
  site: string
  name: string
  /** Variant → positive weight (relative: 50/50, 1/1 and 80/20 all work). */
  weights: Record<string, number>
  version: string
  source: string
  loadedAt: number
}

export type ExperimentOptions = { site: string; variants: ReadonlySet<string>; now?: number }
export type ExperimentResult = { ok: true; experiment: Experiment } | { ok: false; errors: ScriptError[] }

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/
const MAX_VARIANTS = 10
const EXAMPLE = 'name: greeting-test\nvariants: { default: 50, b: 50 }'

/** Validates `experiment.yaml`; every variant it names must have a valid script (`variants`). */
export function parseExperiment(source: string, options: ExperimentOptions): ExperimentResult {
  if (Buffer.byteLength(source, 'utf8') > SCRIPT_LIMITS.sourceBytes) {
    return { ok: false, errors: [{ line: 1, column: 1, message: `the file is larger than ${SCRIPT_LIMITS.sourceBytes / 1024} KB` }] }
  }
  const r = new YamlReader(source)
  if (r.errors.length > 0) return { ok: false, errors: r.errors }
  const root = r.map(r.doc.contents, 'the experiment', `a mapping, e.g.\n${EXAMPLE}`)
  if (!root) return { ok: false, errors: r.errors }
  const entries = new Map(r.entries(root, '', ['name', 'variants']).map((e) => [e.key, e]))

  let name: string | null = null
  const nameEntry = entries.get('name')
  if (!nameEntry) r.error(root, 'needs a name (it seeds the split: a new name reshuffles visitors)')
  else {
    name = r.string(nameEntry.value, 'name')
    if (name !== null && !NAME.test(name)) {
      r.error(nameEntry.value, 'name: letters, digits, _, . or - (at most 64)')
      name = null
    }
  }

  const weights: Record<string, number> = {}
  const variantsEntry = entries.get('variants')
  if (!variantsEntry) r.error(root, 'needs variants, e.g. variants: { default: 50, b: 50 }')
  else {
    const map = r.map(variantsEntry.value, 'variants', 'a mapping of variant names to weights, e.g. { default: 50, b: 50 }')
    if (map) {
      const items = r.entries(map, 'variants')
      for (const { key, keyNode, value } of items) {
        if (!options.variants.has(key)) {
          const known = [...options.variants]
          r.error(keyNode, `variants.${key}: no valid script for variant "${key}" (${options.site}/${key}.yaml)${suggestion(key, known)}; scripts: ${known.join(', ') || 'none'}`)
        }
        const weight = isScalar(value) && typeof value.value === 'number' ? value.value : NaN
        if (!(weight > 0) || !Number.isFinite(weight)) r.error(value ?? keyNode, `variants.${key}: the weight must be a number above 0`)
        else weights[key] = weight
      }
      if (isMap(map) && map.items.length < 2) r.error(map, 'variants: an experiment needs at least two variants')
      if (map.items.length > MAX_VARIANTS) r.error(map, `variants: at most ${MAX_VARIANTS}`)
    }
  }
  if (r.errors.length > 0 || name === null) return { ok: false, errors: [...r.errors].sort((a, b) => a.line - b.line || a.column - b.column) }
  const experiment: Experiment = { site: options.site, name, weights, version: versionOf(source), source, loadedAt: options.now ?? Date.now() }
  return { ok: true, experiment: Object.freeze({ ...experiment, weights: Object.freeze(weights) }) }
}

/**
 * The variant of `visitorId`: the first 8 bytes of sha256(`${experimentName}:${visitorId}`) as a number
 * in [0, 1), laid on the cumulative weights of the variants in sorted name order. Depends on nothing else,
 * so a visitor keeps their variant across restarts and reloads; a new experiment name reshuffles.
 */
export function assignVariant(experimentName: string, visitorId: string, weights: Record<string, number>): string {
  const variants = Object.keys(weights)
    .filter((v) => (weights[v] ?? 0) > 0)
    .sort()
  const total = variants.reduce((sum, v) => sum + (weights[v] ?? 0), 0)
  if (variants.length === 0 || !(total > 0)) return 'default'
  const digest = createHash('sha256').update(`${experimentName}:${visitorId}`).digest()
  // 53 of the 64 bits: as many as a double holds exactly.
  const point = (Number(digest.readBigUInt64BE(0) >> 11n) / 2 ** 53) * total
  let cumulative = 0
  for (const variant of variants) {
    cumulative += weights[variant] ?? 0
    if (point < cumulative) return variant
  }
  return variants[variants.length - 1] ?? 'default'
}
