import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { assignVariant } from './experiments.ts'
import { createScriptRegistry, REMOVE_CONFIRM_MS, type RegistryChange, type ScriptRegistry } from './registry.ts'
import { decide } from './rules.ts'
import { versionOf } from './script.ts'
import { localize } from './template.ts'
import { emptyAnalysis, type Analysis, type CompiledScript } from './types.ts'

const ACTIONS = new Set(['order-status', 'ticket'])
const DEMO = join(import.meta.dirname, 'scripts', 'demo')
/** What a person would tolerate between saving a file and the bot using it. */
const RELOAD_BUDGET_MS = 1000

/** A small script whose every answer names its generation `n`, so a reply shows which version gave it. */
const script = (n: number, extra = '') => `# generation ${n}
intents:
  greeting: { examples: [hello, hi there, 你好], reply: 'hello v${n}' }
rules:
  - name: vip v${n}
    when: { keyword: vip }
    do: [{ reply: 'vip v${n}' }, { label: 'v${n}' }]
${extra}`
const BROKEN = `intents:
  greeting: { examples: [hello], reply: 'hi' }
rules:
  - name: bad
    when: { intent: greetin }
    do: [{ reply: x }]
`

let dir: string
let registry: ScriptRegistry
let changes: RegistryChange[]

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kefu-bots-'))
  changes = []
})
afterEach(async () => {
  await registry?.close()
  rmSync(dir, { recursive: true, force: true })
})

async function start(options: { actions?: ReadonlySet<string>; watch?: boolean } = {}): Promise<ScriptRegistry> {
  registry = createScriptRegistry({ dir, actions: options.actions ?? ACTIONS })
  registry.onChange((c) => changes.push(c))
  await registry.loadAll()
  if (options.watch !== false) registry.watch()
  return registry
}

function write(site: string, file: string, source: string): void {
  mkdirSync(join(dir, site), { recursive: true })
  writeFileSync(join(dir, site, file), source)
}

/** Resolves with the first change matching `test` (seen from now on), or rejects after `ms`. */
function nextChange(test: (c: RegistryChange) => boolean, ms = RELOAD_BUDGET_MS): Promise<RegistryChange> {
  const from = changes.length
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const poll = setInterval(() => {
      const found = changes.slice(from).find(test)
      if (found) {
        clearInterval(poll)
        resolve(found)
      } else if (Date.now() - started > ms) {
        clearInterval(poll)
        reject(new Error(`no matching change within ${ms} ms; saw ${JSON.stringify(changes.slice(from))}`))
      }
    }, 5)
  })
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const replyOf = (s: CompiledScript, a: Analysis): string => {
  const action = decide(s, a, 0).actions.find((x) => x.type === 'reply')
  return action?.type === 'reply' ? localize(action.text, 'en') : ''
}
const vip = (): Analysis => emptyAnalysis('vip here')

describe('loading', () => {
  it('loads every site folder: the demo scripts and their experiment', async () => {
    cpSync(DEMO, join(dir, 'demo'), { recursive: true })
    write('shop', 'default.yaml', script(1))
    await start({ watch: false })
    expect(registry.sites()).toEqual(['demo', 'shop'])
    expect(registry.current('demo', 'default')?.version).toBe(versionOf(readFileSync(join(DEMO, 'default.yaml'), 'utf8')))
    expect(registry.current('demo', 'b')?.settings.minConfidence).toBe(0.3)
    expect(registry.experiment('demo')).toMatchObject({ name: 'greeting-test', weights: { default: 50, b: 50 } })
    expect(registry.current('shop', 'default')?.variant).toBe('default')
    expect(registry.current('shop', 'b')).toBeUndefined()
    expect(registry.list('demo')).toMatchObject({
      variants: [{ variant: 'default', errors: [] }, { variant: 'b', errors: [] }],
      experiment: { name: 'greeting-test', weights: { default: 50, b: 50 }, errors: [] },
    })
  })

  it('reports an invalid file at start with its errors and runs nothing for it', async () => {
    write('shop', 'default.yaml', BROKEN)
    write('shop', 'notes.txt', 'not a script')
    await start({ watch: false })
    expect(registry.current('shop', 'default')).toBeUndefined()
    expect(registry.lastErrors('shop', 'default')).toEqual([
      { line: 5, column: 21, message: 'rules[0].when.intent: unknown intent "greetin" (did you mean "greeting"?); intents: greeting' },
    ])
    expect(registry.list('shop').variants).toEqual([{ variant: 'default', version: null, loadedAt: null, errors: registry.lastErrors('shop', 'default') }])
    expect(registry.source('shop', 'default')).toBe(BROKEN)
  })
})

describe('hot reload from files', () => {
  it('an edited file answers with its new version within a second', async () => {
    write('shop', 'default.yaml', script(1))
    await start()
    const before = registry.current('shop', 'default')
    const started = Date.now()
    writeFileSync(join(dir, 'shop', 'default.yaml'), script(2))
    const change = await nextChange((c) => c.status === 'loaded' && c.variant === 'default')
    expect(Date.now() - started).toBeLessThan(RELOAD_BUDGET_MS)
    expect(change).toMatchObject({ site: 'shop', version: versionOf(script(2)), origin: 'file' })
    expect(registry.current('shop', 'default')?.version).toBe(versionOf(script(2)))
    expect(replyOf(registry.current('shop', 'default')!, vip())).toBe('vip v2')
    expect(before && replyOf(before, vip())).toBe('vip v1')
  })

  it('follows editors that save by writing another file and renaming it over the script', async () => {
    write('shop', 'default.yaml', script(1))
    await start()
    writeFileSync(join(dir, 'shop', '.default.yaml.swp'), script(3))
    renameSync(join(dir, 'shop', '.default.yaml.swp'), join(dir, 'shop', 'default.yaml'))
    await nextChange((c) => c.status === 'loaded' && c.version === versionOf(script(3)))
    expect(registry.current('shop', 'default')?.version).toBe(versionOf(script(3)))
  })

  it('an invalid edit is refused with its errors; the old version keeps answering until a fix', async () => {
    write('shop', 'default.yaml', script(1))
    await start()
    const old = registry.current('shop', 'default')
    writeFileSync(join(dir, 'shop', 'default.yaml'), BROKEN)
    const refused = await nextChange((c) => c.status === 'invalid')
    expect(refused).toMatchObject({ site: 'shop', variant: 'default', version: old?.version })
    expect(refused.errors[0]).toMatchObject({ line: 5, column: 21 })
    expect(registry.current('shop', 'default')).toBe(old)
    expect(registry.lastErrors('shop', 'default')).toEqual(refused.errors)
    expect(registry.list('shop').variants[0]).toMatchObject({ version: old?.version, errors: refused.errors })
    expect(registry.source('shop', 'default')).toBe(BROKEN)

    writeFileSync(join(dir, 'shop', 'default.yaml'), script(2))
    await nextChange((c) => c.status === 'loaded')
    expect(registry.lastErrors('shop', 'default')).toEqual([])
    expect(registry.current('shop', 'default')?.version).toBe(versionOf(script(2)))
  })

  it('picks up new site folders and new variants, unloads deleted files, ignores other files', async () => {
    await start()
    write('newshop', 'default.yaml', script(1))
    await nextChange((c) => c.site === 'newshop' && c.status === 'loaded')
    expect(registry.current('newshop', 'default')?.version).toBe(versionOf(script(1)))

    write('newshop', 'b.yaml', script(2))
    await nextChange((c) => c.variant === 'b' && c.status === 'loaded')

    const seen = changes.length
    writeFileSync(join(dir, 'newshop', 'notes.txt'), 'hello')
    writeFileSync(join(dir, 'newshop', 'default.yaml~'), 'backup')
    await sleep(400)
    expect(changes.slice(seen)).toEqual([])

    // An editor may delete and re-create a file while saving: a deleted file goes only once it stays gone.
    unlinkSync(join(dir, 'newshop', 'default.yaml'))
    await sleep(300)
    writeFileSync(join(dir, 'newshop', 'default.yaml'), script(4))
    unlinkSync(join(dir, 'newshop', 'b.yaml'))
    await nextChange((c) => c.variant === 'b' && c.status === 'removed', REMOVE_CONFIRM_MS + RELOAD_BUDGET_MS)
    expect(changes.filter((c) => c.status === 'removed').map((c) => c.variant)).toEqual(['b'])
    expect(registry.current('newshop', 'default')?.version).toBe(versionOf(script(4)))
    expect(registry.current('newshop', 'b')).toBeUndefined()
    expect(registry.current('newshop', 'default')).toBeDefined()
  })

  it('stops watching on close', async () => {
    write('shop', 'default.yaml', script(1))
    await start()
    await registry.close()
    writeFileSync(join(dir, 'shop', 'default.yaml'), script(2))
    await sleep(400)
    expect(registry.current('shop', 'default')?.version).toBe(versionOf(script(1)))
  })
})

describe('upload', () => {
  it('a valid upload is written atomically and swapped in', async () => {
    await start()
    const result = await registry.upload('shop', 'default', script(5))
    expect(result.ok && result.value.version).toBe(versionOf(script(5)))
    expect(readFileSync(join(dir, 'shop', 'default.yaml'), 'utf8')).toBe(script(5))
    expect(registry.current('shop', 'default')?.version).toBe(versionOf(script(5)))
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
    expect(changes).toEqual([{ site: 'shop', variant: 'default', status: 'loaded', version: versionOf(script(5)), errors: [], origin: 'upload' }])
    // The watcher then sees our own write: same text, same object, no second event.
    const running = registry.current('shop', 'default')
    await sleep(400)
    expect(registry.current('shop', 'default')).toBe(running)
    expect(changes).toHaveLength(1)
  })

  it('an invalid upload changes nothing: not the file, not the script, not the shown errors', async () => {
    write('shop', 'default.yaml', script(1))
    await start()
    const running = registry.current('shop', 'default')
    const seen = changes.length
    const result = await registry.upload('shop', 'default', BROKEN)
    expect(result).toEqual({ ok: false, errors: [{ line: 5, column: 21, message: 'rules[0].when.intent: unknown intent "greetin" (did you mean "greeting"?); intents: greeting' }] })
    expect(readFileSync(join(dir, 'shop', 'default.yaml'), 'utf8')).toBe(script(1))
    expect(registry.current('shop', 'default')).toBe(running)
    expect(registry.lastErrors('shop', 'default')).toEqual([])
    expect(changes.slice(seen)).toEqual([])
  })

  it('refuses names that are not a site key or a variant (no paths)', async () => {
    await start()
    expect((await registry.upload('../etc', 'default', script(1))).ok).toBe(false)
    expect((await registry.upload('shop', '../../x', script(1))).ok).toBe(false)
    expect((await registry.upload('shop', 'experiment', script(1))).ok).toBe(false)
    expect(existsSync(join(dir, 'shop'))).toBe(false)
  })
})

describe('a message holding a script while it is reloaded', () => {
  it('keeps a consistent old script: rules, replies, version all old', async () => {
    write('shop', 'default.yaml', script(1))
    await start()
    const held = registry.current('shop', 'default')!
    await registry.upload('shop', 'default', script(2, "  - name: extra\n    when: { keyword: extra }\n    do: [{ label: extra }]\n"))
    expect(held.version).toBe(versionOf(script(1)))
    expect(held.rules.map((r) => r.name)).toEqual(['vip v1'])
    expect(replyOf(held, vip())).toBe('vip v1')
    expect(replyOf(held, { ...emptyAnalysis('hello'), intent: { intent: 'greeting', confidence: 0.9 } })).toBe('hello v1')
    const now = registry.current('shop', 'default')!
    expect(now.rules.map((r) => r.name)).toEqual(['vip v2', 'extra'])
    expect(replyOf(now, vip())).toBe('vip v2')
  })

  it('under concurrent messages and reloads every answer comes from one whole version', async () => {
    write('shop', 'default.yaml', script(0))
    await start()
    const generation = (s: CompiledScript) => Number(/^# generation (\d+)/.exec(s.source)?.[1])
    const answers: { version: string; generation: number; reply: string; label: string }[] = []
    const message = async (i: number) => {
      const s = registry.current('shop', 'default')!
      await sleep(i % 7) // the pipeline and actions take time; reloads happen meanwhile
      const decision = decide(s, vip(), 0)
      const reply = decision.actions.find((a) => a.type === 'reply')
      const label = decision.actions.find((a) => a.type === 'label')
      answers.push({ version: s.version, generation: generation(s), reply: reply?.type === 'reply' ? reply.text : '', label: label?.type === 'label' ? label.label : '' })
    }
    const uploads = (async () => {
      for (let n = 1; n <= 20; n++) {
        if (n % 2) await registry.upload('shop', 'default', script(n))
        else writeFileSync(join(dir, 'shop', 'default.yaml'), script(n))
        await sleep(3)
      }
    })()
    await Promise.all([uploads, ...Array.from({ length: 400 }, (_, i) => sleep(i).then(() => message(i)))])
    expect(answers).toHaveLength(400)
    for (const a of answers) {
      expect(a.version).toBe(versionOf(script(a.generation)))
      expect(a.reply).toBe(`vip v${a.generation}`)
      expect(a.label).toBe(`v${a.generation}`)
    }
    expect(new Set(answers.map((a) => a.generation)).size).toBeGreaterThan(3)
  })
})

describe('experiments in the registry', () => {
  it('an experiment naming a missing variant is refused with its line, and loads once the variant does', async () => {
    write('shop', 'default.yaml', script(1))
    write('shop', 'experiment.yaml', 'name: t1\nvariants:\n  default: 50\n  b: 50\n')
    await start()
    expect(registry.experiment('shop')).toBeUndefined()
    expect(registry.lastErrors('shop', null)).toEqual([{ line: 4, column: 3, message: 'variants.b: no valid script for variant "b" (shop/b.yaml); scripts: default' }])
    expect(registry.list('shop').experiment).toEqual({ name: '', weights: {}, errors: registry.lastErrors('shop', null) })
    await registry.upload('shop', 'b', script(2))
    expect(registry.experiment('shop')).toMatchObject({ name: 't1', weights: { default: 50, b: 50 } })
    expect(registry.lastErrors('shop', null)).toEqual([])
  })

  it('keeps every visitor on their variant across a reload of the experiment file', async () => {
    write('shop', 'default.yaml', script(1))
    write('shop', 'b.yaml', script(2))
    write('shop', 'experiment.yaml', 'name: t1\nvariants: { default: 50, b: 50 }\n')
    await start()
    const visitors = Array.from({ length: 500 }, (_, i) => `visitor-${i}`)
    const assign = () => {
      const e = registry.experiment('shop')!
      return visitors.map((v) => assignVariant(e.name, v, e.weights))
    }
    const before = assign()
    writeFileSync(join(dir, 'shop', 'experiment.yaml'), '# same test, reformatted\nname: t1\nvariants:\n  b: 50\n  default: 50\n')
    await nextChange((c) => c.variant === null && c.status === 'loaded')
    expect(assign()).toEqual(before)
    expect(new Set(before)).toEqual(new Set(['default', 'b']))
  })

  it('refuses to remove a variant the experiment uses; removes it once the experiment is gone', async () => {
    write('shop', 'default.yaml', script(1))
    write('shop', 'b.yaml', script(2))
    write('shop', 'experiment.yaml', 'name: t1\nvariants: { default: 50, b: 50 }\n')
    await start()
    expect(await registry.remove('shop', 'b')).toEqual({ ok: false, message: 'experiment "t1" uses variant "b"; change or remove the experiment first' })
    expect(existsSync(join(dir, 'shop', 'b.yaml'))).toBe(true)
    expect(await registry.remove('shop', null)).toEqual({ ok: true })
    expect(await registry.remove('shop', 'b')).toEqual({ ok: true })
    expect(existsSync(join(dir, 'shop', 'b.yaml'))).toBe(false)
    expect(registry.current('shop', 'b')).toBeUndefined()
    expect(registry.experiment('shop')).toBeUndefined()
  })

  it('uploads an experiment only when its variants exist', async () => {
    write('shop', 'default.yaml', script(1))
    await start()
    const refused = await registry.uploadExperiment('shop', 'name: t2\nvariants: { default: 80, c: 20 }\n')
    expect(refused.ok ? [] : refused.errors.map((e) => e.line)).toEqual([2])
    expect(existsSync(join(dir, 'shop', 'experiment.yaml'))).toBe(false)
    await registry.upload('shop', 'c', script(3))
    const accepted = await registry.uploadExperiment('shop', 'name: t2\nvariants: { default: 80, c: 20 }\n')
    expect(accepted.ok && accepted.value.weights).toEqual({ default: 80, c: 20 })
  })
})

describe('plugin names', () => {
  it('a script refused for an action no plugin provides loads once a plugin provides it', async () => {
    write('shop', 'default.yaml', script(1, '  - name: lookup\n    when: { keyword: order }\n    do: [{ action: order-status }]\n'))
    await start({ actions: new Set() })
    expect(registry.current('shop', 'default')).toBeUndefined()
    expect(registry.lastErrors('shop', 'default')[0]?.message).toContain('unknown action "order-status"')
    registry.setExtensions({ actions: new Set(['order-status']) })
    expect(registry.current('shop', 'default')?.version).toBe(versionOf(script(1, '  - name: lookup\n    when: { keyword: order }\n    do: [{ action: order-status }]\n')))
    expect(changes.at(-1)).toMatchObject({ status: 'loaded', origin: 'extensions' })
  })
})
