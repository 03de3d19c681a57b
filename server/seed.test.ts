import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { afterAll, describe, expect, it } from 'vitest'
import { createServer } from './server.ts'
import { api } from './test-helpers.ts'

const dir = mkdtempSync(join(tmpdir(), 'kefu-seed-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const boot = (config: { adminPassword: string | null; demo?: boolean }) =>
  createServer({ env: {}, logger: pino({ level: 'silent' }), config: { port: 0, dataDir: join(dir, 'data'), distDir: join(dir, 'dist'), demo: true, ...config } })
const loginStatus = (url: string, password: string) =>
  api({ url }, '/api/agent/login', { method: 'POST', json: { email: 'admin@kefu.local', password } }).then((r) => r.status)

describe('first start and restarts', () => {
  it('generates the admin password once, resets it from KEFU_ADMIN_PASSWORD, seeds the demo once', async () => {
    const first = await boot({ adminPassword: null })
    const generated = first.generatedAdminPassword!
    expect(generated).toMatch(/^[\w-]{16}$/)
    expect(await loginStatus(first.url, generated)).toBe(200)
    const demo = await first.deps.store.getSite('demo')
    await first.close()

    const second = await boot({ adminPassword: null })
    expect(second.generatedAdminPassword).toBeNull()
    expect(await loginStatus(second.url, generated)).toBe(200)
    expect((await second.deps.store.getSite('demo'))!.secretEnc).toBe(demo!.secretEnc) // not re-seeded
    await second.close()

    const third = await boot({ adminPassword: 'chosen-password' })
    expect(await loginStatus(third.url, 'chosen-password')).toBe(200)
    expect(await loginStatus(third.url, generated)).toBe(401)
    await third.close()
  })

  it('leaves the demo out with KEFU_DEMO=0 and reports not ready when the store is gone', async () => {
    const server = await createServer({ env: { KEFU_DEMO: '0' }, logger: pino({ level: 'silent' }), config: { port: 0, dataDir: join(dir, 'nodemo'), adminPassword: 'x' } })
    expect((await api(server, '/api/sites/demo/public')).status).toBe(404)
    expect((await api(server, '/demo')).status).toBe(404)
    expect((await api(server, '/demo/api/identify-token?user=alice')).status).toBe(404)
    expect((await api(server, '/readyz')).status).toBe(200)
    await server.deps.store.close()
    expect((await api(server, '/readyz')).status).toBe(503)
    await server.close()
  })
})
