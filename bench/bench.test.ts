import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { BenchResult } from './run.ts'

const ROOT = resolve(import.meta.dirname, '..')
const SMOKE_TIMEOUT_MS = 90_000

/** The generator works end to end (tiny run, both targets). No timing is asserted: benchmarks are not tests. */
describe('bench --smoke', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kefu-bench-test-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('runs every scenario against Kefu and the bare ws baseline with nothing lost', () => {
    const out = join(dir, 'smoke.json')
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--smoke', '--out', out], { cwd: ROOT, encoding: 'utf8', timeout: SMOKE_TIMEOUT_MS })
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0)
    expect(run.stdout).toContain('| figure | Kefu | bare ws | Kefu ÷ ws |')
    const result = JSON.parse(readFileSync(out, 'utf8')) as BenchResult
    const p = result.params
    for (const t of [result.kefu!, result.baseline!]) {
      expect(t.idle).toMatchObject({ connections: p.idle.visitors, failed: 0 })
      expect(t.idle.rssPerConnection).toBeTypeOf('number')
      expect(t.fanout!.receipts).toBe(t.fanout!.expected)
      expect(t.fanout!.expected).toBe(p.fanout.receivers * p.fanout.messages)
      expect(t.latency!.warmup).toMatchObject({ sent: p.latency.visitors, acked: p.latency.visitors })
      expect(t.latency!).toMatchObject({ sent: t.latency!.acked, delivered: t.latency!.sent, errors: 0, closes: 0 })
      expect(t.latency!.sent).toBe(Math.round((p.latency.rate / p.workers) * (p.latency.durationMs / 1000)) * p.workers)
      expect(t.latency!.sentAgent).toBeGreaterThan(0)
      expect(t.latency!.delivery.n).toBe(t.latency!.sent)
      // A p99 for each second of the phase, by when the message was sent.
      expect(t.latency!.secondsP99.length).toBeGreaterThanOrEqual(Math.ceil(p.latency.durationMs / 1000))
      expect(t.latency!.secondsP99.every((p99) => p99 > 0 && p99 <= t.latency!.delivery.max)).toBe(true)
      // And the server's loop delay and GC of each second, to tell what a slow one was.
      expect(t.latency!.server.bySecond.length).toBeGreaterThanOrEqual(Math.ceil(p.latency.durationMs / 1000))
      expect(t.latency!.server.bySecond.every((x) => x.loopMax >= 0 && x.loopMax <= t.latency!.server.loopMax + 50 && x.restartMs >= 0 && x.lockWaitMs >= 0)).toBe(true)
      expect(t.throughput!.steps.length).toBeGreaterThan(0)
      for (const s of t.throughput!.steps) expect(s.errors).toBe(0)
      expect(t.bytes!.perMessage).toBeGreaterThan(0)
      expect(Object.values(t.bytes!.frames).every((n) => n > 0)).toBe(true)
    }
    // Durability is a fact, not a timing: every acked message is in the file, also after kill -9 mid-burst.
    const d = result.kefu!.durability!
    expect(d.latencyFound).toBe(d.latencyAcked)
    expect(d.burstAcked).toBeGreaterThan(0)
    expect(d.burstFound).toBe(d.burstAcked)
  }, SMOKE_TIMEOUT_MS + 5_000)
})
