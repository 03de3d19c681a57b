import { readFileSync } from 'node:fs'

/**
 * `tsx bench/heap-diff.ts A.heapsnapshot B.heapsnapshot [N] [per]`: which objects B holds more of than A
 * (count and self size by type and constructor), divided by `per` (for example the sockets added between
 * the two snapshots) to read as bytes per connection.
 */
type Snapshot = {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }
  nodes: number[]
  strings: string[]
}

function tally(file: string): Map<string, { count: number; size: number }> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot
  const fields = snap.snapshot.meta.node_fields
  const width = fields.length
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [number, number, number]
  const types = snap.snapshot.meta.node_types[0]
  const out = new Map<string, { count: number; size: number }>()
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!]!
    const raw = snap.strings[snap.nodes[i + nameAt]!]!
    const name = type === 'string' || type === 'concatenated string' || type === 'sliced string' ? '' : raw.slice(0, 60)
    const key = `${type} ${name}`
    const t = out.get(key) ?? { count: 0, size: 0 }
    t.count++
    t.size += snap.nodes[i + sizeAt]!
    out.set(key, t)
  }
  return out
}

const [a, b, top = '40', per = '1'] = process.argv.slice(2)
if (!a || !b) throw new Error('usage: tsx bench/heap-diff.ts A.heapsnapshot B.heapsnapshot [N] [per]')
const before = tally(a)
const after = tally(b)
const n = Number(per)
const rows = [...after].map(([key, t]) => {
  const s = before.get(key) ?? { count: 0, size: 0 }
  return { key, count: (t.count - s.count) / n, size: (t.size - s.size) / n }
})
const total = rows.reduce((sum, r) => sum + r.size, 0)
console.log(`self size added: ${total.toFixed(0)} B${n > 1 ? ' per unit' : ''}`)
for (const r of rows.sort((x, y) => y.size - x.size).slice(0, Number(top))) {
  console.log(`${r.size.toFixed(1).padStart(9)} B  ${r.count.toFixed(2).padStart(7)} ×  ${r.key}`)
}
