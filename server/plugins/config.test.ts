import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEMO_FAKE } from '../demo/fake-services.ts'
import { loadPluginConfig } from './config.ts'
import { createPluginHost } from './host.ts'
import { actionContext, captureLogger, closedPortUrl } from './test-support.ts'

const silent = pino({ level: 'silent' })

describe('plugin configuration and loading', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kefu-plugins-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  const write = (name: string, content: unknown) => {
    const file = join(dir, name)
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2))
    return file
  }
  const load = (file: string, env: NodeJS.ProcessEnv = {}) => loadPluginConfig({ KEFU_CONFIG: file, ...env }, { dataDir: join(dir, 'data'), demo: null })
  const hostFor = (config: ReturnType<typeof load>, logger = silent) => createPluginHost({ logger, config })

  it('reads the file named by KEFU_CONFIG and resolves { env } secrets without logging them', async () => {
    const file = write('kefu.json', {
      plugins: [
        { use: 'order-status', options: { url: 'https://orders.example.com/api/orders', authHeader: { env: 'ORDER_API_TOKEN' }, timeoutMs: 2500 } },
        { use: 'ticket', options: { url: 'https://help.example.com/api/tickets', authHeader: 'Bearer inline-ticket-token' } },
      ],
    })
    const config = load(file, { ORDER_API_TOKEN: 'Bearer from-the-environment' })
    expect(config.source).toBe(file)
    expect(config.baseDir).toBe(dir)
    expect(config.plugins.map((p) => p.use)).toEqual(['order-status', 'ticket'])
    expect(config.plugins[0]!.options.authHeader).toBe('Bearer from-the-environment')

    const log = captureLogger()
    const host = await hostFor(config, log.logger)
    expect(host.plugins).toEqual(['order-status', 'ticket'])
    expect([...host.actions.keys()]).toEqual(['order-status', 'ticket'])
    expect(host.routes).toEqual([])
    const loaded = log.lines().filter((l) => l.msg === 'plugin loaded')
    expect(loaded.map((l) => [l.plugin, l.allowedOrigins, l.actions])).toEqual([
      ['order-status', ['https://orders.example.com'], ['order-status']],
      ['ticket', ['https://help.example.com'], ['ticket']],
    ])
    expect(log.text()).not.toContain('from-the-environment')
    expect(log.text()).not.toContain('inline-ticket-token')
    await host.close()
  })

  it('names the plugin, option and variable when an { env } secret is not set', () => {
    const file = write('kefu.json', { plugins: [{ use: 'order-status', options: { url: 'https://o.example.com', headers: [{ token: { env: 'NOPE_TOKEN' } }] } }] })
    expect(() => load(file)).toThrow(/plugin order-status option headers\[0\]\.token: environment variable NOPE_TOKEN is not set/)
  })

  it('refuses a missing file, broken JSON and a wrong shape, naming the file', () => {
    expect(() => load(join(dir, 'missing.json'))).toThrow(/KEFU_CONFIG .*missing\.json: cannot read the file \(ENOENT\)/)
    expect(() => load(write('broken.json', '{ "plugins": [ '))).toThrow(/broken\.json: not valid JSON/)
    expect(() => load(write('shape.json', { plugins: [{ use: 'ticket', option: {} }] }))).toThrow(/shape\.json: plugins\.0\.option/)
    expect(() => load(write('empty-use.json', { plugins: [{ use: ' ' }] }))).toThrow(/plugins\.0\.use: must name a built-in plugin/)
  })

  it('without KEFU_CONFIG: the demo defaults point the built-ins at the demo fake services; no demo, no plugins', () => {
    const demo = loadPluginConfig({}, { dataDir: dir, demo: { baseUrl: 'http://127.0.0.1:4321/' } })
    expect(demo.source).toBe('demo defaults')
    expect(demo.plugins).toEqual([
      { use: 'order-status', options: { url: 'http://127.0.0.1:4321/demo/fake/orders', authHeader: `Bearer ${DEMO_FAKE.orders.token}`, timeoutMs: 3000 } },
      { use: 'ticket', options: { url: 'http://127.0.0.1:4321/demo/fake/tickets', authHeader: `Bearer ${DEMO_FAKE.tickets.token}`, timeoutMs: 3000 } },
    ])
    expect(loadPluginConfig({}, { dataDir: dir, demo: null }).plugins).toEqual([])
    // A configuration file wins over the demo defaults.
    const file = write('kefu.json', { plugins: [] })
    expect(loadPluginConfig({ KEFU_CONFIG: file }, { dataDir: dir, demo: { baseUrl: 'http://127.0.0.1:1' } }).plugins).toEqual([])
  })

  it('a bad option stops start-up naming the plugin and the option', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ url: 'ftp://orders.example.com/x' }, /plugin order-status: option url: must be an http:\/\/ or https:\/\/ URL/],
      [{ url: 'https://orders.example.com', timeoutMs: 60_000 }, /plugin order-status: option timeoutMs/],
      [{ url: 'https://orders.example.com', timeoutMs: '3s' }, /plugin order-status: option timeoutMs: must be a number/],
      [{}, /plugin order-status: option url/],
      [{ url: 'https://user:pw@orders.example.com' }, /plugin order-status: option url: must not carry user:password/],
      [{ url: 'https://orders.example.com', authHeader: 'Bearer x\r\nX-Evil: 1' }, /plugin order-status: option authHeader: must be one line/],
    ]
    for (const [options, error] of cases) {
      await expect(hostFor(load(write('bad.json', { plugins: [{ use: 'order-status', options }] })))).rejects.toThrow(error)
    }
    // A secret of the wrong type is named, not printed.
    const wrongType = hostFor(load(write('bad.json', { plugins: [{ use: 'order-status', options: { url: 'https://o.example.com', authHeader: 987654321 } }] })))
    await expect(wrongType).rejects.toThrow(/plugin order-status: option authHeader: Invalid type: Expected string$/)
  })

  it('refuses an unknown built-in, a plugin configured twice and two plugins adding the same action', async () => {
    await expect(hostFor(load(write('a.json', { plugins: [{ use: 'order-tracker' }] })))).rejects.toThrow(/plugin order-tracker: no such built-in plugin \(built-ins: order-status, ticket/)
    const twice = { use: 'ticket', options: { url: 'https://help.example.com/t' } }
    await expect(hostFor(load(write('b.json', { plugins: [twice, twice] })))).rejects.toThrow(/plugin ticket is configured twice/)
    write('copycat.mjs', `export default { name: 'copycat', setup(api) { api.addAction('ticket', async () => ({})) } }`)
    await expect(hostFor(load(write('c.json', { plugins: [twice, { use: './copycat.mjs' }] })))).rejects.toThrow(/plugin copycat: action "ticket" is already added by plugin ticket/)
    write('shadow.mjs', `export default { name: 'shadow', setup(api) { api.addProcessor('intent', () => ({ name: 'intent', run() {} })) } }`)
    await expect(hostFor(load(write('d.json', { plugins: [{ use: './shadow.mjs' }] })))).rejects.toThrow(/plugin shadow: processor name "intent" is a built-in processor/)
  })

  it('loads a module plugin from a path relative to the configuration file', async () => {
    write(
      'my-plugin.mjs',
      `export default {
        name: 'my-plugin',
        setup(api) {
          api.addProcessor('shout', () => ({ name: 'shout', run(analysis) { analysis.extra.shout = analysis.text.toUpperCase() } }))
          api.addAction('echo', async (ctx) => ({ vars: { greeting: String(api.options.greeting) }, replies: ['{{vars.greeting}} ' + ctx.analysis.text] }))
          api.routes.get('/hi', (c) => c.text('hi'))
          api.onClose(() => { globalThis.__myPluginClosed = true })
        },
      }`,
    )
    const host = await hostFor(load(write('kefu.json', { plugins: [{ use: './my-plugin.mjs', options: { greeting: '你好' } }] })))
    expect(host.plugins).toEqual(['my-plugin'])
    const analysis = actionContext('hello').analysis
    host.processors.get('shout')!({}).run(analysis, { script: null as never, now: 0 })
    expect(analysis.extra.shout).toBe('HELLO')
    expect(await host.actions.get('echo')!(actionContext('hello'))).toEqual({ vars: { greeting: '你好' }, replies: ['{{vars.greeting}} hello'] })
    expect(host.routes.map((r) => r.name)).toEqual(['my-plugin'])
    expect(await (await host.routes[0]!.app.request('/hi')).text()).toBe('hi')
    await host.close()
    expect((globalThis as { __myPluginClosed?: boolean }).__myPluginClosed).toBe(true)
  })

  it('a module without a plugin default export, or one that cannot load, is a clear error', async () => {
    write('nothing.mjs', 'export const x = 1')
    await expect(hostFor(load(write('a.json', { plugins: [{ use: './nothing.mjs' }] })))).rejects.toThrow(/plugin \.\/nothing\.mjs: .*nothing\.mjs must export default a plugin/)
    await expect(hostFor(load(write('b.json', { plugins: [{ use: './absent.mjs' }] })))).rejects.toThrow(/plugin \.\/absent\.mjs: cannot load .*absent\.mjs/)
    write('Bad Name.mjs', `export default { name: 'Bad Name', setup() {} }`)
    await expect(hostFor(load(write('c.json', { plugins: [{ use: './Bad Name.mjs' }] })))).rejects.toThrow(/name "Bad Name" must be lower-case/)
  })

  it('a plugin whose setup throws stops start-up with its name, and the plugins loaded before it are closed', async () => {
    write('first.mjs', `export default { name: 'first', setup(api) { api.onClose(() => { globalThis.__firstClosed = true }) } }`)
    write('boom.mjs', `export default { name: 'boom', async setup() { throw new Error('cannot reach the warehouse') } }`)
    await expect(hostFor(load(write('kefu.json', { plugins: [{ use: './first.mjs' }, { use: './boom.mjs' }] })))).rejects.toThrow(
      'plugin boom: setup failed: cannot reach the warehouse',
    )
    expect((globalThis as { __firstClosed?: boolean }).__firstClosed).toBe(true)
  })

  it('a plugin may only call the origins in its own options', async () => {
    write('caller.mjs', `export default { name: 'caller', setup(api) { api.addAction('call', async (ctx) => {
      try { await api.http.request(String(ctx.args.to)); return { vars: { r: 'called' } } } catch (e) { return { vars: { r: e.code } } }
    }) } }`)
    const dead = await closedPortUrl()
    const host = await hostFor(load(write('kefu.json', { plugins: [{ use: './caller.mjs', options: { api: `${dead}/api` } }] })))
    const call = host.actions.get('call')!
    const ctx = (to: string) => ({ ...actionContext('x'), args: { to } })
    expect((await call(ctx(dead.replace('127.0.0.1', '127.0.0.2') + '/api'))).vars).toEqual({ r: 'host_not_allowed' })
    expect((await call(ctx('https://example.com/'))).vars).toEqual({ r: 'host_not_allowed' })
    expect((await call(ctx(`${dead}/other`))).vars).toEqual({ r: 'unreachable' }) // allowed origin: it did try (nothing listens there)
    await host.close()
  })
})
