import { readFileSync } from 'node:fs'

/**
 * `tsx bench/profile-summary.ts FILE.cpuprofile [N]`: the top N functions by self time in a V8 CPU
 * profile (from `npm run bench -- --profile`), with their share of the non-idle samples.
 */
type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[] }

const [file, top = '30'] = process.argv.slice(2)
if (!file) throw new Error('usage: tsx bench/profile-summary.ts FILE.cpuprofile [N]')
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const self = new Map<string, number>()
let total = 0
let idle = 0
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0
  const f = byId.get(id)!.callFrame
  if (f.functionName === '(idle)') {
    idle += dt
    return
  }
  total += dt
  const where = f.url ? `${f.url.replace(/^.*\/(node_modules|bench-wt|main)\//, '')}:${f.lineNumber + 1}` : ''
  const key = `${f.functionName || '(anonymous)'} ${where}`
  self.set(key, (self.get(key) ?? 0) + dt)
})
console.log(`busy ${(total / 1e6).toFixed(1)} s, idle ${(idle / 1e6).toFixed(1)} s`)
for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) {
  console.log(`${((us / total) * 100).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(7)} ms  ${key}`)
}
