import type { BenchResult } from './run.ts'
import type { StepResult, TargetResult } from './scenarios.ts'
import type { SecondProbe } from './server-entry.ts'

const kb = (n: number) => `${(n / 1024).toFixed(2)} KB`
const ms = (n: number) => (Number.isFinite(n) ? `${n.toFixed(1)} ms` : '—')
const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—')

/** One load step in a line: the progress log while the benchmark runs, and the report's step lists. */
export function describeStep(s: StepResult): string {
  const perMsg = (cpuMs: number) => int((cpuMs * 1000) / s.sent)
  return `${int(s.rate)}/s: p50 ${ms(s.delivery.p50)}, p99 ${ms(s.delivery.p99)}, max ${ms(s.delivery.max)} (p99 over the limit in ${int(s.slowSeconds)} of ${int(s.secondsP99.length)} s${s.lockSeconds > 0 ? `, ${int(s.lockSeconds)} of them with commits waiting for the write lock` : ''}, ${worstSecond(s)}); ack p99 ${ms(s.ack.p99)}; server CPU ${int((s.server.cpuMs / s.elapsedMs) * 100)} % (${perMsg(s.server.cpuMs)} µs per message, ${perMsg(s.server.systemMs)} of it kernel), loop p99 ${ms(s.server.loopP99)}, max ${ms(s.server.loopMax)} (longest GC pause ${ms(s.server.gcMaxMs)}, ${int(s.server.majorGcs)} mark-compacts); generator CPU ${int((s.cpuMs / s.elapsedMs) * 100)} %, loop p99 ${ms(s.generatorLoopP99)}; CPU pressure ${s.cpuPressure === null ? '?' : int(s.cpuPressure * 100)} %, steal ${s.cpuSteal === null ? '?' : `${(s.cpuSteal * 100).toFixed(1)} %`} — ${s.pass ? 'pass' : s.why}`
}
/**
 * The server's side of a second of the phase: that second and the next, since a message sent late in a
 * second meets what its server does in the next. Summed over both: GC, WAL restarts, lock waits.
 */
export function serverAround(bySecond: SecondProbe[], i: number): SecondProbe {
  const both = bySecond.slice(i, i + 2)
  const sum = (key: 'gcMs' | 'restartMs' | 'lockWaitMs') => both.reduce((a, x) => a + x[key], 0)
  return { loopMax: Math.max(0, ...both.map((x) => x.loopMax)), gcMs: sum('gcMs'), restartMs: sum('restartMs'), lockWaitMs: sum('lockWaitMs') }
}

/**
 * The worst second of a step, and the server's side of it (serverAround): a loop delay the size of the
 * second's p99 says the server stalled; none says the wait was elsewhere: the write lock (Kefu's WAL restarts
 * and the commits that waited for the lock are given when there were any), the generator, the network.
 */
function worstSecond(s: StepResult): string {
  const p99s = s.secondsP99.map((p99) => (Number.isFinite(p99) ? p99 : -1))
  const i = p99s.indexOf(Math.max(...p99s))
  const worst = `worst second ${ms(s.secondsP99[i] ?? NaN)}`
  if (s.server.bySecond.length <= i) return worst
  const { loopMax, gcMs, restartMs, lockWaitMs } = serverAround(s.server.bySecond, i)
  const store = restartMs + lockWaitMs > 0 ? `, WAL restarts ${ms(restartMs)}, commits waiting for the write lock ${ms(lockWaitMs)}` : ''
  return `${worst}; server in it and the next: loop max ${ms(loopMax)}, GC ${ms(gcMs)}${store}`
}
const pct = (a: number, b: number) => (b > 0 ? `${((a / b) * 100).toFixed(2)} %` : '—')

type Row = [figure: string, kefu: string, baseline: string, ratio: string]

/** A figure, or null where the run did not measure it (an idle-only run has no latency). */
function value(get: (t: TargetResult) => number | null, t: TargetResult): number | null {
  try {
    return get(t)
  } catch {
    return null
  }
}

/** Kefu ÷ baseline: above 1 means Kefu uses more (time, memory, bytes) or achieves more (rates). */
function ratio(get: (t: TargetResult) => number | null, r: BenchResult): string {
  if (!r.kefu || !r.baseline) return ''
  const k = value(get, r.kefu)
  const b = value(get, r.baseline)
  if (k === null || b === null || !Number.isFinite(k) || !Number.isFinite(b) || b === 0) return '—'
  return `${(k / b).toFixed(2)}×`
}

/** The results as a markdown table (printed by run.ts, pasted into RESULTS.md). */
export function report(r: BenchResult): string[] {
  const rows: Row[] = []
  const add = (figure: string, get: (t: TargetResult) => number | null, fmt: (n: number) => string) => {
    const show = (t: TargetResult | null) => {
      if (!t) return ''
      const v = value(get, t)
      return v === null ? 'n/a' : fmt(v)
    }
    rows.push([figure, show(r.kefu), show(r.baseline), ratio(get, r)])
  }
  const p = r.params
  add('1. idle visitors connected and identified', (t) => t.idle.connections, int)
  add('   server RSS per connection', (t) => t.idle.rssPerConnection, kb)
  add('   … without young-generation growth', (t) => t.idle.rssPerConnectionExclYoung, kb)
  add('   server heap per connection', (t) => t.idle.heapPerConnection, kb)
  add('   connect rate (upgrade + hello → welcome), /s', (t) => t.idle.connectPerSec, int)
  add('   visitor sessions minted over REST, /s', (t) => t.idle.mintPerSec, int)
  const lat = `${int(p.latency.rate)}/s, ${int(p.latency.visitors)} visitors`
  add(`2. delivery p50 (${lat})`, (t) => t.latency!.delivery.p50, ms)
  add('   delivery p95', (t) => t.latency!.delivery.p95, ms)
  add('   delivery p99', (t) => t.latency!.delivery.p99, ms)
  add('   delivery max', (t) => t.latency!.delivery.max, ms)
  add('   ack p99 (send → ack on the sender)', (t) => t.latency!.ack.p99, ms)
  add('   messages delivered / sent', (t) => t.latency!.delivered / t.latency!.sent, (n) => `${(n * 100).toFixed(2)} %`)
  add('   server CPU during the phase', (t) => t.latency!.server.cpuMs / t.latency!.elapsedMs, (n) => `${(n * 100).toFixed(0)} %`)
  add('   server CPU per message', (t) => (t.latency!.server.cpuMs * 1000) / t.latency!.sent, (n) => `${int(n)} µs`)
  add('   … of it in the kernel', (t) => (t.latency!.server.systemMs * 1000) / t.latency!.sent, (n) => `${int(n)} µs`)
  add('   server event-loop delay p99', (t) => t.latency!.server.loopP99, ms)
  add('   generator CPU (all workers)', (t) => t.latency!.cpuMs / t.latency!.elapsedMs, (n) => `${(n * 100).toFixed(0)} %`)
  add('   CPU pressure (time some task waited for a CPU)', (t) => t.latency!.cpuPressure, (n) => `${(n * 100).toFixed(0)} %`)
  rows.push([
    '   acked messages found in SQLite',
    r.kefu?.durability ? `${pct(r.kefu.durability.latencyFound, r.kefu.durability.latencyAcked)} (${int(r.kefu.durability.latencyFound)}/${int(r.kefu.durability.latencyAcked)})` : '',
    r.baseline ? 'n/a (no storage)' : '',
    '',
  ])
  rows.push([
    '   … after kill -9 mid-burst',
    r.kefu?.durability ? `${pct(r.kefu.durability.burstFound, r.kefu.durability.burstAcked)} (${int(r.kefu.durability.burstFound)}/${int(r.kefu.durability.burstAcked)})` : '',
    r.baseline ? 'n/a' : '',
    '',
  ])
  add(`3. throughput: highest rate with p99 ≤ ${p.throughput.p99Ms} ms, /s`, (t) => t.throughput!.maxRate ?? 0, int)
  add(`4. fan-out to ${int(p.fanout.receivers)} agent sockets: receipt p50`, (t) => t.fanout!.receipt.p50, ms)
  add('   receipt p99', (t) => t.fanout!.receipt.p99, ms)
  add('   time to reach all (mean)', (t) => t.fanout!.toAll.mean, ms)
  add('   deliveries per second', (t) => t.fanout!.deliveriesPerSec, int)
  add('   receipts / expected', (t) => t.fanout!.receipts / t.fanout!.expected, (n) => `${(n * 100).toFixed(2)} %`)
  add('5. bytes on the wire per message (all frames, both ways)', (t) => t.bytes!.perMessage, (n) => `${int(n)} B`)
  add('   send frame (client → server, masked)', (t) => t.bytes!.frames.send, (n) => `${int(n)} B`)
  add('   ack frame', (t) => t.bytes!.frames.ack, (n) => `${int(n)} B`)
  add('   message frame (to each receiver)', (t) => t.bytes!.frames.message, (n) => `${int(n)} B`)
  add('   connection set-up (upgrade, hello, welcome)', (t) => t.idle.bytesPerConnection, (n) => `${int(n)} B`)
  if (r.sizes) {
    rows.push(['   widget.js loader, gzip -9', `${int(r.sizes.loader)} B`, '', ''])
    rows.push(['   chat first load (HTML + JS + CSS), gzip -9', `${int(r.sizes.chat)} B`, '', ''])
  }
  const lines = [
    `Kefu benchmark, ${r.mode} mode, ${r.date} — ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memGiB} GiB, Node ${r.machine.node}`,
    `command: ${r.command}; servers run with ${r.serverNodeFlags.join(' ') || 'default node flags'}; load from ${r.params.workers} worker processes`,
    '',
    '| figure | Kefu | bare ws | Kefu ÷ ws |',
    '| --- | ---: | ---: | ---: |',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ]
  for (const t of [r.kefu, r.baseline]) {
    if (!t) continue
    lines.push('', `${t.kind} throughput steps:`)
    for (const s of t.throughput?.steps ?? []) {
      lines.push(`  ${describeStep(s)}`)
    }
  }
  return lines
}
