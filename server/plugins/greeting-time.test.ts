import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { Hono } from 'hono'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CompiledScript } from '../bot/types.ts'
import { loadPluginConfig } from './config.ts'
import { createPluginHost, type PluginHost } from './host.ts'
import { actionContext } from './test-support.ts'

// The processor reads only `now`; the script is not consulted.
const noScript = null as unknown as CompiledScript
const at = (iso: string) => Date.parse(iso)

describe('the example plugin (examples/greeting-time.ts) loaded from a configuration file', () => {
  let dir: string
  let host: PluginHost

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kefu-example-'))
    const example = relative(dir, join(import.meta.dirname, 'examples', 'greeting-time.ts'))
    const file = join(dir, 'kefu.json')
    writeFileSync(file, JSON.stringify({ plugins: [{ use: example.startsWith('.') ? example : `./${example}`, options: { timeZone: 'Asia/Shanghai' } }] }))
    host = await createPluginHost({ logger: pino({ level: 'silent' }), config: loadPluginConfig({ KEFU_CONFIG: file }, { dataDir: dir, demo: null }) })
  })
  afterAll(async () => {
    await host.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('adds a daypart processor that puts the shop-local daypart into analysis.extra', async () => {
    const processor = host.processors.get('daypart')!({})
    expect(processor.name).toBe('daypart')
    const cases: [string, string, number][] = [
      ['2026-11-28T01:30:00Z', 'morning', 9], // 09:30 in Shanghai
      ['2026-11-28T06:00:00Z', 'afternoon', 14],
      ['2026-11-28T12:00:00Z', 'evening', 20],
      ['2026-11-28T17:00:00Z', 'night', 1],
    ]
    for (const [now, daypart, hour] of cases) {
      const { analysis } = actionContext('hi')
      await processor.run(analysis, { script: noScript, now: at(now) })
      expect(analysis.extra.daypart).toEqual({ daypart, hour, timeZone: 'Asia/Shanghai' })
    }
  })

  it('lets a script set its own time zone, and refuses a made-up one', async () => {
    const { analysis } = actionContext('hi')
    await host.processors.get('daypart')!({ timeZone: 'Europe/Paris' }).run(analysis, { script: noScript, now: at('2026-11-28T08:00:00Z') })
    expect(analysis.extra.daypart).toEqual({ daypart: 'morning', hour: 9, timeZone: 'Europe/Paris' })
    expect(() => host.processors.get('daypart')!({ timeZone: 'Mars/Olympus' })).toThrow(/IANA time zone/)
  })

  it('say-hello greets for the daypart in the visitor language, with their name', async () => {
    const hello = host.actions.get('say-hello')!
    const zh = actionContext('你好')
    zh.analysis.extra.daypart = { daypart: 'evening', hour: 20, timeZone: 'Asia/Shanghai' }
    expect(await hello(zh)).toEqual({ vars: { name: '王小明', daypart: 'evening' }, replies: ['晚上好，{{vars.name}}！有什么可以帮您？'] })
    const en = actionContext('hello there')
    en.analysis.extra.daypart = { daypart: 'morning', hour: 9, timeZone: 'Asia/Shanghai' }
    en.visitor.name = null
    expect(await hello(en)).toEqual({ vars: { name: '', daypart: 'morning' }, replies: ['Good morning! How can I help?'] })
  })

  it('serves GET /api/plugins/greeting-time/ping where the server mounts it', async () => {
    expect(host.routes.map((r) => r.name)).toEqual(['greeting-time'])
    const server = new Hono()
    for (const { name, app } of host.routes) server.route(`/api/plugins/${name}`, app)
    const res = await server.request('/api/plugins/greeting-time/ping')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ ok: true, plugin: 'greeting-time', timeZone: 'Asia/Shanghai' })
  })
})
