import { execFile } from 'node:child_process'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { sign } from 'hono/jwt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { VisitorSessionResponse } from '../protocol/index.ts'
import { runCli } from './admin.ts'
import { api, login, newVisitor, startTestServer, visitorSocket, type TestServer } from './test-helpers.ts'

let server: TestServer
let env: NodeJS.ProcessEnv
const exp = () => Math.floor(Date.now() / 1000) + 600
const identify = (token: string, userToken: string) =>
  api<VisitorSessionResponse>(server, '/api/visitor/identify', { method: 'POST', token, json: { userToken } })
const secretOf = (out: string) => /identify secret: (\S+)/.exec(out)![1]!

beforeAll(async () => {
  server = await startTestServer()
  env = { KEFU_DATA_DIR: join(server.dir, 'data') }
})
afterAll(() => server.stop())

describe('npm run kefu (site and agent administration, against a running server)', () => {
  it('adds a site whose printed secret verifies identify tokens, and rotates it', async () => {
    const out = await runCli(['site', 'add', 'shop', '--name', '茶叶商店', '--origin', 'https://shop.example.com', '--origin', 'http://localhost:*'], env)
    const secret = secretOf(out)
    expect(out).toContain('data-site="shop"')
    const public_ = await api<{ site: { name: string } }>(server, '/api/sites/shop/public')
    expect(public_.body.site.name).toBe('茶叶商店')

    const visitor = await newVisitor(server, 'shop')
    const ok = await identify(visitor.token, await sign({ sub: 'u1', exp: exp() }, secret, 'HS256'))
    expect(ok.status).toBe(200)

    const rotated = secretOf(await runCli(['site', 'rotate-secret', 'shop'], env))
    expect(rotated).not.toBe(secret)
    const stale = await identify(ok.body.token, await sign({ sub: 'u2', exp: exp() }, secret, 'HS256'))
    expect(stale.status).toBe(401)
    expect((await identify(ok.body.token, await sign({ sub: 'u2', exp: exp() }, rotated, 'HS256'))).status).toBe(200)
    expect(secretOf(await runCli(['site', 'show', 'shop'], env))).toBe(rotated)
  })

  it('puts only well-formed origins into the allowlist (it becomes a CSP header)', async () => {
    await expect(runCli(['site', 'origins', 'shop', "https://a.example; script-src 'unsafe-inline'"], env)).rejects.toThrow(/not an origin/)
    expect(await runCli(['site', 'show', 'shop'], env)).toContain('https://shop.example.com http://localhost:*')
    const visitor = await newVisitor(server, 'shop')
    await expect(visitorSocket(server, visitor.token, { site: 'shop', origin: 'https://new.example.com' })).rejects.toThrow()
    await runCli(['site', 'origins', 'shop', 'https://new.example.com'], env)
    const { client } = await visitorSocket(server, visitor.token, { site: 'shop', origin: 'https://new.example.com' })
    client.close()
  })

  it('adds an agent who can log in and sees only their site', async () => {
    await runCli(['agent', 'add', 'li@shop.example.com', '--name', '李娜', '--password', 'long-enough-1', '--site', 'shop'], env)
    const token = await login(server, 'li@shop.example.com', 'long-enough-1')
    const me = await api<{ sites: { key: string }[] }>(server, '/api/agent/me', { token })
    expect(me.body.sites.map((s) => s.key)).toEqual(['shop'])
    await expect(runCli(['agent', 'add', 'li@shop.example.com', '--password', 'long-enough-1'], env)).rejects.toThrow(/exists/)
    await expect(runCli(['agent', 'add', 'x@y.z', '--password', 'short'], env)).rejects.toThrow(/8 characters/)
  })

  it('refuses bad commands from the shell with the usage and exit code 2', async () => {
    const run = promisify(execFile)
    const cli = resolve(import.meta.dirname, 'cli.ts')
    const result = await run(process.execPath, ['--import', 'tsx', cli, 'site', 'add', 'Bad Key!', '--name', 'x'], { env: { ...process.env, ...env } }).catch((e: { code: number; stderr: string }) => e)
    expect(result).toMatchObject({ code: 2 })
    expect((result as { stderr: string }).stderr).toMatch(/bad site key[\s\S]*npm run kefu -- site add/)
    expect((await api(server, '/api/sites/bad-key/public')).status).toBe(404)
  })
})
