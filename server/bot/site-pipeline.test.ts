import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { BotTurnsResponse, InvalidScriptBody } from '../../protocol/index.ts'
import { api, login, newVisitor, startTestServer, visitorSocket, type TestServer } from '../test-helpers.ts'

// A site's own pipeline: a plugin loaded from the configuration file adds a processor and an action; the
// site's script puts the processor first, leaves out `entities` and `sentiment`, and calls the action.
let server: TestServer
let admin: string
let dir: string
const EXAMPLE = fileURLToPath(new URL('../plugins/examples/greeting-time.ts', import.meta.url))

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kefu-pipeline-'))
  const config = join(dir, 'kefu.json')
  writeFileSync(config, JSON.stringify({ plugins: [{ use: EXAMPLE, options: { timeZone: 'Asia/Shanghai' } }] }))
  server = await startTestServer({ demo: false }, { KEFU_CONFIG: config })
  await server.deps.store.createSite({ key: 'tea', name: 'Tea', color: '#111111', greeting: null, allowedOrigins: [], secretEnc: 'unused' }, Date.now())
  await server.deps.store.addSiteAgent('tea', (await server.deps.store.getAgentByEmail('admin@kefu.local'))!.id)
  admin = await login(server)
})
afterAll(async () => {
  await server.stop()
  rmSync(dir, { recursive: true, force: true })
})

const SCRIPT = `settings:
  pipeline: [daypart, tokenize, intent]
intents:
  hello:
    examples: [hello, hi there, 你好, 您好]
    reply: Hello!
rules:
  - name: greet for the time of day
    when: { intent: hello }
    do: [{ action: say-hello }]
`

it('runs a site pipeline with a plugin processor first and a plugin action, recording what it found', async () => {
  const put = await api(server, '/api/sites/tea/bot/scripts/default', { method: 'PUT', token: admin, json: { source: SCRIPT } })
  expect(put.status).toBe(200)
  const { token } = await newVisitor(server, 'tea')
  const v = (await visitorSocket(server, token, { site: 'tea' })).client
  v.send({ type: 'send', id: 'r1', cid: 'c1', text: '你好' })
  const { conv } = await v.next('ack')
  const reply = await v.next('message', (f) => f.message.sender === 'bot', 5_000)
  expect(reply.message.text).toMatch(/^(早上好|下午好|晚上好|夜深了)/)

  await server.deps.bot!.idle()
  const [turn] = (await api<BotTurnsResponse>(server, `/api/conversations/${conv}/bot`, { token: admin })).body.turns
  expect(turn!.extra.daypart).toMatchObject({ daypart: expect.stringMatching(/morning|afternoon|evening|night/), timeZone: 'Asia/Shanghai' })
  expect(turn).toMatchObject({ intent: { intent: 'hello' }, entities: [], sentiment: null, rules: ['greet for the time of day'], actions: ['action say-hello'] })
  v.close()
})

it('refuses a rule on sentiment when the pipeline leaves sentiment out (and no own processor could fill it), naming the line', async () => {
  const broken = `${SCRIPT.replace('[daypart, tokenize, intent]', '[tokenize, intent]').replace('{ action: say-hello }', '{ reply: hi }')}  - name: upset
    when: { sentimentBelow: -0.5 }
    do: [{ handoff: true }]
`
  const res = await api<InvalidScriptBody>(server, '/api/sites/tea/bot/scripts/default', { method: 'PUT', token: admin, json: { source: broken } })
  expect(res.status).toBe(422)
  expect(res.body.errors).toEqual([expect.objectContaining({ line: 12, message: expect.stringMatching(/sentiment/) })])
})

it("serves the plugin's route under /api/plugins/<name>", async () => {
  const res = await api<{ ok: boolean }>(server, '/api/plugins/greeting-time/ping')
  expect(res.status).toBe(200)
  expect(res.body.ok).toBe(true)
})
