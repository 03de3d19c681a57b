import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  $editing,
  $editors,
  $overview,
  EXPERIMENT,
  editSource,
  isDirty,
  openBotPage,
  resetBotAdmin,
  saveSource,
  scriptKey,
  selectEditor,
  statsRows,
  variantNames,
} from './bot-admin.ts'

type Call = { url: string; method: string; body: unknown }
let calls: Call[] = []
/** A tiny stand-in for the server's bot routes: URL → answer. */
let routes: Record<string, (call: Call) => { status: number; body: unknown }> = {}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status })
const settle = () => new Promise((r) => setTimeout(r, 0))

beforeEach(() => {
  resetBotAdmin()
  calls = []
  routes = {
    'GET /api/sites/demo/bot': () => ({ status: 200, body: { variants: [{ variant: 'default', version: 'aaa111', loadedAt: 1, errors: [] }], experiment: null } }),
    'GET /api/sites/demo/bot/stats': () => ({ status: 200, body: { experiment: null, variants: [] } }),
    'GET /api/sites/demo/bot/scripts/default': () => ({ status: 200, body: { variant: 'default', version: 'aaa111', source: 'intents:\n  - name: hours\n' } }),
    'GET /api/sites/demo/bot/experiment': () => ({ status: 404, body: { error: { code: 'not_found', message: 'no experiment' } } }),
  }
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      const call = { url, method: init.method ?? 'GET', body: init.body ? JSON.parse(String(init.body)) : undefined }
      calls.push(call)
      const route = routes[`${call.method} ${url}`]
      if (!route) return json(404, { error: { code: 'not_found', message: url } })
      const { status, body } = route(call)
      return json(status, body)
    }),
  )
})
afterEach(() => vi.unstubAllGlobals())

const editor = (key = scriptKey('default')) => $editors.get()[key]!

describe('bot page', () => {
  it('opens with the overview, stats and the default script', async () => {
    openBotPage('demo')
    await settle()
    expect($overview.get().data?.variants[0]?.version).toBe('aaa111')
    expect(editor()).toMatchObject({ source: 'intents:\n  - name: hours\n', status: 'ready', errors: [] })
    expect(isDirty(editor())).toBe(false)
  })

  it('keeps the text as typed and lists the errors when the server refuses it; a fix then saves', async () => {
    openBotPage('demo')
    await settle()
    const errors = [{ line: 2, column: 5, message: 'intent "hours" needs examples' }]
    routes['PUT /api/sites/demo/bot/scripts/default'] = (call) =>
      (call.body as { source: string }).source.includes('examples')
        ? { status: 200, body: { variant: 'default', version: 'bbb222', source: (call.body as { source: string }).source } }
        : { status: 422, body: { error: { code: 'invalid_script', message: '1 error' }, errors } }
    const broken = 'intents:\n  - name: hours\n    replies: [我们 9 点开门]\n'
    editSource(scriptKey('default'), broken)
    await saveSource(scriptKey('default'))
    expect(editor()).toMatchObject({ source: broken, status: 'invalid', errors, version: 'aaa111' })
    expect(isDirty(editor())).toBe(true)

    const fixed = `${broken}    examples: [几点开门]\n`
    editSource(scriptKey('default'), fixed)
    expect(editor().errors).toEqual(errors) // still shown while fixing
    await saveSource(scriptKey('default'))
    expect(editor()).toMatchObject({ source: fixed, saved: fixed, status: 'saved', errors: [], version: 'bbb222' })
    expect(calls.filter((c) => c.method === 'PUT').map((c) => c.body)).toEqual([{ source: broken }, { source: fixed }])
  })

  it('tells an agent who is not an admin that saving is for admins, keeping the text', async () => {
    openBotPage('demo')
    await settle()
    routes['PUT /api/sites/demo/bot/scripts/default'] = () => ({ status: 403, body: { error: { code: 'forbidden', message: 'admins only' } } })
    editSource(scriptKey('default'), 'changed')
    await saveSource(scriptKey('default'))
    expect(editor()).toMatchObject({ source: 'changed', status: 'failed', failure: 'forbidden' })
  })

  it('starts an empty experiment file when there is none yet', async () => {
    openBotPage('demo')
    selectEditor(EXPERIMENT)
    await settle()
    expect($editing.get()).toBe('experiment')
    expect(editor(EXPERIMENT)).toMatchObject({ source: '', saved: null, status: 'missing' })
  })

  it('offers the variants that run and those the experiment names', () => {
    expect(variantNames(null)).toEqual(['default'])
    expect(
      variantNames({
        variants: [{ variant: 'short', version: 'x', loadedAt: 1, errors: [] }, { variant: 'default', version: 'y', loadedAt: 1, errors: [] }],
        experiment: { name: 'tone', weights: { default: 50, friendly: 50 }, errors: [] },
      }),
    ).toEqual(['default', 'friendly', 'short'])
  })

  it('computes the rates shown side by side', () => {
    const rows = statsRows({
      experiment: 'tone',
      variants: [
        { variant: 'friendly', conversations: 0, resolvedByBot: 0, handoffs: 0, ratings: 0, avgRating: null },
        { variant: 'default', conversations: 40, resolvedByBot: 30, handoffs: 8, ratings: 10, avgRating: 4.2 },
      ],
    }, ['default', 'friendly', 'short'])
    // Default first; a variant with nothing counted yet still shows, beside the others.
    expect(rows.map((r) => [r.variant, r.conversations, r.resolvedRate, r.handoffRate])).toEqual([
      ['default', 40, 0.75, 0.2],
      ['friendly', 0, null, null],
      ['short', 0, null, null],
    ])
  })
})
