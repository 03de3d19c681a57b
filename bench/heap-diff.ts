import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

/**
 * `tsx bench/heap-diff.ts A.heapsnapshot B.heapsnapshot [N] [per]`: which objects B holds more of than A
 * (count and self size by type and constructor), divided by `per` (for example the sockets added between
 * the two snapshots) to read as bytes per connection.
 *
 * `--new`: the objects in B that A did not have (by snapshot id, so both must come from one process), by
 * type, and which of A's objects hold them, by property. This finds what a workload leaves behind on
 * long-lived objects even where the counts do not change, such as something replaced on every message.
 */
type Snapshot = {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } }
  nodes: number[]
  edges: number[]
  strings: string[]
}
type Tally = Map<string, { count: number; size: number }>

const load = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Snapshot

/** Reads a snapshot's flat arrays: node n's fields, labels, and out-edges. */
function reader(snap: Snapshot) {
  const { node_fields: nf, node_types: [types], edge_fields: ef, edge_types: [edgeTypes] } = snap.snapshot.meta
  const width = nf.length
  const [typeAt, nameAt, idAt, sizeAt, edgeCountAt] = ['type', 'name', 'id', 'self_size', 'edge_count'].map((f) => nf.indexOf(f)) as [number, number, number, number, number]
  const [edgeTypeAt, edgeNameAt, toAt] = ['type', 'name_or_index', 'to_node'].map((f) => ef.indexOf(f)) as [number, number, number]
  const count = snap.nodes.length / width
  const field = (n: number, at: number) => snap.nodes[n * width + at]!
  const label = (n: number) => {
    const type = types[field(n, typeAt)]!
    const named = !['string', 'concatenated string', 'sliced string', 'number'].includes(type)
    return `${type} ${named ? snap.strings[field(n, nameAt)]!.slice(0, 60) : ''}`
  }
  /** Calls `fn(from, to, edgeName)` for every edge except weak ones. */
  const eachEdge = (fn: (from: number, to: number, name: string) => void) => {
    let e = 0
    for (let n = 0; n < count; n++) {
      for (let k = field(n, edgeCountAt); k > 0; k--, e += ef.length) {
        const type = edgeTypes[snap.edges[e + edgeTypeAt]!]!
        if (type === 'weak') continue
        const raw = snap.edges[e + edgeNameAt]!
        fn(n, snap.edges[e + toAt]! / width, type === 'element' || type === 'hidden' ? `[${raw}]` : snap.strings[raw]!)
      }
    }
  }
  return { count, id: (n: number) => field(n, idAt), size: (n: number) => field(n, sizeAt), label, eachEdge }
}

const add = (t: Tally, key: string, size: number) => {
  const v = t.get(key) ?? { count: 0, size: 0 }
  v.count++
  v.size += size
  t.set(key, v)
}

function tally(snap: Snapshot): Tally {
  const r = reader(snap)
  const out: Tally = new Map()
  for (let n = 0; n < r.count; n++) add(out, r.label(n), r.size(n))
  return out
}

function print(title: string, rows: { key: string; count: number; size: number }[], top: number, per: number) {
  console.log(`\n${title}`)
  for (const row of rows.sort((x, y) => y.size - x.size).slice(0, top)) {
    console.log(`${(row.size / per).toFixed(1).padStart(9)} B  ${(row.count / per).toFixed(2).padStart(7)} ×  ${row.key}`)
  }
}

const { values, positionals } = parseArgs({ options: { new: { type: 'boolean', default: false } }, allowPositionals: true })
const [a, b, top = '40', perArg = '1'] = positionals
if (!a || !b) throw new Error('usage: tsx bench/heap-diff.ts [--new] A.heapsnapshot B.heapsnapshot [N] [per]')
const per = Number(perArg)

if (!values.new) {
  const before = tally(load(a))
  const rows = [...tally(load(b))].map(([key, t]) => {
    const s = before.get(key) ?? { count: 0, size: 0 }
    return { key, count: t.count - s.count, size: t.size - s.size }
  })
  console.log(`self size added: ${(rows.reduce((sum, r) => sum + r.size, 0) / per).toFixed(0)} B${per > 1 ? ' per unit' : ''}`)
  print('by type:', rows, Number(top), per)
} else {
  const old = new Set<number>()
  const ra = reader(load(a))
  for (let n = 0; n < ra.count; n++) old.add(ra.id(n))
  const r = reader(load(b))
  const isNew = (n: number) => !old.has(r.id(n))
  const byType: Tally = new Map()
  for (let n = 0; n < r.count; n++) if (isNew(n)) add(byType, r.label(n), r.size(n))
  const holders: Tally = new Map()
  r.eachEdge((from, to, name) => {
    if (!isNew(from) && isNew(to)) add(holders, `${r.label(from)} .${name} → ${r.label(to)}`, r.size(to))
  })
  const rows = (t: Tally) => [...t].map(([key, v]) => ({ key, ...v }))
  print('new objects by type:', rows(byType), Number(top), per)
  print('held by older objects (holder .property → new object, its self size):', rows(holders), Number(top), per)
}
