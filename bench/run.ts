import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, release, totalmem } from 'node:os'
import { dirname, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { widgetSizes, type WidgetSizes } from '../widget/sizes.ts'
import type { TargetKind } from './ipc.ts'
import { MODES, type Mode } from './modes.ts'
import { ROOT } from './processes.ts'
import { report } from './report.ts'
import { runTarget, type TargetResult } from './scenarios.ts'

/**
 * `npm run bench` (quick), `npm run bench -- --full` (the targets), `--smoke` (the test's tiny run).
 * Runs every scenario against Kefu and against a bare `ws` relay, prints a table and writes JSON.
 */
export type BenchResult = {
  mode: Mode
  date: string
  command: string
  machine: { cpus: number; cpuModel: string; memGiB: number; node: string; kernel: string }
  serverNodeFlags: string[]
  params: (typeof MODES)[Mode]
  kefu: TargetResult | null
  baseline: TargetResult | null
  sizes: WidgetSizes | null
}

/**
 * The servers' node flags are what `npm start` runs with (server/README.md, Decisions), read from its script
 * so the two cannot drift apart; both targets get the same. `--semi-space` and `--heap-growing` change two of
 * them, `--node-flags` adds more (experiments).
 */
const startScript = (JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start
const startFlags = startScript.split(/\s+/).filter((t) => t.startsWith('--') && t !== '--import')
const startFlag = (name: string): string => new RegExp(`--${name}=(\\d+)`).exec(startScript)?.[1] ?? '0'

const { values } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string' },
    'semi-space': { type: 'string', default: startFlag('max-semi-space-size') },
    'heap-growing': { type: 'string', default: startFlag('heap-growing-percent') },
    'node-flags': { type: 'string', default: '' },
    profile: { type: 'boolean', default: false },
    'heap-snapshot': { type: 'boolean', default: false },
    'idle-only': { type: 'boolean', default: false },
  },
})
const mode: Mode = values.smoke ? 'smoke' : values.full ? 'full' : 'quick'
const params = MODES[mode]
const stamp = new Date().toISOString().replace(/[:.]/g, '-')
const out = resolve(values.out ?? resolve(ROOT, 'bench/results', `${mode}-${stamp}.json`))
const semiSpace = Number(values['semi-space'])
const heapGrowing = Number(values['heap-growing'])
const nodeFlags = [
  ...startFlags.filter((f) => !/^--(max-semi-space-size|heap-growing-percent)=/.test(f)),
  ...(semiSpace > 0 ? [`--max-semi-space-size=${semiSpace}`] : []),
  ...(heapGrowing > 0 ? [`--heap-growing-percent=${heapGrowing}`] : []),
  ...values['node-flags'].split(/\s+/).filter(Boolean),
]
const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`)
const argv = process.argv.slice(2)
const command = process.env.npm_lifecycle_event === 'bench' ? `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}` : `tsx bench/run.ts ${argv.join(' ')}`.trim()

function sizes(): WidgetSizes | null {
  const dist = resolve(ROOT, 'dist')
  if (!existsSync(resolve(dist, 'chat/index.html')) || !existsSync(resolve(dist, 'widget.js'))) {
    if (mode === 'smoke') return null
    log('dist/ is missing: npm run build')
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] })
    if (build.status !== 0) throw new Error('npm run build failed')
  }
  return widgetSizes(dist)
}

const targets: TargetKind[] = values.only === 'kefu' ? ['kefu'] : values.only === 'baseline' ? ['baseline'] : ['baseline', 'kefu']
const profileDir = values.profile ? resolve(ROOT, 'bench/results/profiles') : null
if (profileDir) mkdirSync(profileDir, { recursive: true })
const result: BenchResult = {
  mode,
  date: new Date().toISOString(),
  command,
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, kernel: release() },
  serverNodeFlags: nodeFlags,
  params,
  kefu: null,
  baseline: null,
  sizes: sizes(),
}
const started = Date.now()
for (const kind of targets) {
  result[kind] = await runTarget(kind, params, {
    nodeFlags,
    profileDir,
    heapSnapshotPath: values['heap-snapshot'] ? resolve(ROOT, `bench/results/idle-${stamp}`) : null,
    idleOnly: values['idle-only'],
    log,
  })
}
mkdirSync(dirname(out), { recursive: true })
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`)
process.stdout.write(`${report(result).join('\n')}\n\nresults: ${out} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`)
