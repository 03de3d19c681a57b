import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { assignVariant, parseExperiment } from './experiments.ts'

const VISITORS = 20_000
const visitorIds = Array.from({ length: VISITORS }, () => randomUUID())

function shares(name: string, weights: Record<string, number>): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const id of visitorIds) {
    const variant = assignVariant(name, id, weights)
    counts[variant] = (counts[variant] ?? 0) + 1
  }
  return Object.fromEntries(Object.entries(counts).map(([v, n]) => [v, n / VISITORS]))
}

describe('assignVariant', () => {
  it('gives a visitor the same variant every time, whatever order the weights are written in', () => {
    for (const id of visitorIds.slice(0, 200)) {
      const first = assignVariant('greeting-test', id, { default: 50, b: 50 })
      expect(assignVariant('greeting-test', id, { default: 50, b: 50 })).toBe(first)
      expect(assignVariant('greeting-test', id, { b: 50, default: 50 })).toBe(first)
      expect(assignVariant('greeting-test', id, { default: 1, b: 1 })).toBe(first)
    }
  })

  it.each([
    ['50/50', { default: 50, b: 50 }],
    ['80/20', { default: 80, b: 20 }],
    ['three ways', { default: 50, b: 30, c: 20 }],
  ])('splits %s within 2 points of the weights over 20,000 visitors', (_label, weights) => {
    const total = Object.values(weights).reduce((a, b) => a + b, 0)
    const got = shares('split-test', weights)
    expect(Object.keys(got).sort()).toEqual(Object.keys(weights).sort())
    for (const [variant, weight] of Object.entries(weights)) {
      expect(Math.abs((got[variant] ?? 0) - weight / total)).toBeLessThan(0.02)
    }
  })

  it('reshuffles when the experiment name changes', () => {
    const weights = { default: 50, b: 50 }
    const moved = visitorIds.filter((id) => assignVariant('greeting-test', id, weights) !== assignVariant('greeting-test-2', id, weights)).length
    // Independent draws: about half move.
    expect(moved / VISITORS).toBeGreaterThan(0.45)
    expect(moved / VISITORS).toBeLessThan(0.55)
  })

  it('falls back to default without weights', () => {
    expect(assignVariant('x', 'v1', {})).toBe('default')
  })
})

describe('parseExperiment', () => {
  const variants = new Set(['default', 'b'])

  it('reads name and weights', () => {
    const result = parseExperiment('name: greeting-test\nvariants: { default: 50, b: 50 }\n', { site: 'demo', variants, now: 5 })
    expect(result.ok && result.experiment).toMatchObject({ site: 'demo', name: 'greeting-test', weights: { default: 50, b: 50 }, loadedAt: 5 })
  })

  it('reports every problem with its line', () => {
    const source = ['name: greeting-test', 'variants:', '  default: 50', '  c: 30', '  b: -5', 'colour: blue', ''].join('\n')
    const result = parseExperiment(source, { site: 'demo', variants })
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.errors).toEqual([
      { line: 4, column: 3, message: 'variants.c: no valid script for variant "c" (demo/c.yaml); scripts: default, b' },
      { line: 5, column: 6, message: 'variants.b: the weight must be a number above 0' },
      { line: 6, column: 1, message: 'unknown key "colour"; known: name, variants' },
    ])
  })

  it('needs two variants and a name', () => {
    const result = parseExperiment('variants: { default: 100 }\n', { site: 'demo', variants })
    expect(result.ok ? [] : result.errors.map((e) => `${e.line}:${e.column} ${e.message}`)).toEqual([
      '1:1 needs a name (it seeds the split: a new name reshuffles visitors)',
      '1:11 variants: an experiment needs at least two variants',
    ])
  })
})
