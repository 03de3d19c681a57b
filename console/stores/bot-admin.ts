import { atom, map } from 'nanostores'
import type { BotOverviewResponse, BotStatsResponse, ScriptErrorBody } from '../../protocol/index.ts'
import { api, type ApiError } from '../lib/api.ts'
import { BotOverviewSchema, BotStatsSchema, ScriptSourceResponseSchema } from '../lib/schemas.ts'

/**
 * The Bot page of a site: its script variants (version, load errors), an editor per script and for the
 * experiment file (Save validates on the server; a refused file keeps the text as typed and lists the
 * line-numbered errors; the old script keeps running), and the per-variant numbers side by side.
 */

/** `script:<variant>` for a script, `experiment` for the experiment file. */
export type EditorKey = `script:${string}` | 'experiment'
export const EXPERIMENT: EditorKey = 'experiment'
export const scriptKey = (variant: string): EditorKey => `script:${variant}`

export type EditorStatus = 'loading' | 'ready' | 'missing' | 'saving' | 'saved' | 'invalid' | 'failed'
export type Editor = {
  /** What is in the textarea. */
  source: string
  /** What the server has (loaded or last saved); null when there is no such file yet. */
  saved: string | null
  version: string | null
  status: EditorStatus
  errors: readonly ScriptErrorBody[]
  /** Why a load or save failed, when it was not a validation error. */
  failure: 'forbidden' | 'network' | 'other' | null
}
export type Loadable<T> = { status: 'idle' | 'loading' | 'ready' | 'failed'; data: T | null }

export const $botSite = atom<string | null>(null)
export const $overview = atom<Loadable<BotOverviewResponse>>({ status: 'idle', data: null })
export const $stats = atom<Loadable<BotStatsResponse>>({ status: 'idle', data: null })
export const $editors = map<Record<string, Editor | undefined>>({})
export const $editing = atom<EditorKey>(scriptKey('default'))

const NEW: Editor = { source: '', saved: null, version: null, status: 'loading', errors: [], failure: null }

function pathOf(site: string, key: EditorKey): string {
  const base = `/sites/${encodeURIComponent(site)}/bot`
  return key === EXPERIMENT ? `${base}/experiment` : `${base}/scripts/${encodeURIComponent(key.slice('script:'.length))}`
}

function failureOf(error: ApiError): Editor['failure'] {
  if (error.status === 403) return 'forbidden'
  if (error.status === 0) return 'network'
  return 'other'
}

function patch(key: EditorKey, change: Partial<Editor>): void {
  $editors.setKey(key, { ...($editors.get()[key] ?? NEW), ...change })
}

/** True when the textarea holds something the server does not. */
export function isDirty(editor: Editor): boolean {
  return editor.source !== (editor.saved ?? '')
}

/** The variants to offer in the editor: those with a script, and those the experiment names. */
export function variantNames(overview: BotOverviewResponse | null): string[] {
  const names = new Set<string>(['default'])
  for (const v of overview?.variants ?? []) names.add(v.variant)
  for (const name of Object.keys(overview?.experiment?.weights ?? {})) names.add(name)
  return [...names].sort((a, b) => (a === 'default' ? -1 : b === 'default' ? 1 : a.localeCompare(b)))
}

export async function loadOverview(): Promise<void> {
  const site = $botSite.get()
  if (!site) return
  $overview.set({ ...$overview.get(), status: 'loading' })
  const res = await api(`/sites/${encodeURIComponent(site)}/bot`, { schema: BotOverviewSchema })
  if ($botSite.get() === site) $overview.set(res.ok ? { status: 'ready', data: res.data } : { ...$overview.get(), status: 'failed' })
}

export async function loadStats(): Promise<void> {
  const site = $botSite.get()
  if (!site) return
  $stats.set({ ...$stats.get(), status: 'loading' })
  const res = await api(`/sites/${encodeURIComponent(site)}/bot/stats`, { schema: BotStatsSchema })
  if ($botSite.get() === site) $stats.set(res.ok ? { status: 'ready', data: res.data } : { ...$stats.get(), status: 'failed' })
}

async function loadSource(key: EditorKey): Promise<void> {
  const site = $botSite.get()
  if (!site) return
  patch(key, { status: 'loading', failure: null })
  const res = await api(pathOf(site, key), { schema: ScriptSourceResponseSchema })
  if ($botSite.get() !== site) return
  if (res.ok) return patch(key, { source: res.data.source, saved: res.data.source, version: res.data.version, status: 'ready', errors: [] })
  // No file yet: an empty editor, saved on first Save.
  if (res.error.status === 404) return patch(key, { source: '', saved: null, version: null, status: 'missing', errors: [] })
  patch(key, { status: 'failed', failure: failureOf(res.error) })
}

/** Shows a site's bot page (again): overview, stats and the editor on screen, fresh from the server. */
export function openBotPage(site: string): void {
  if ($botSite.get() !== site) {
    $botSite.set(site)
    $editors.set({})
    $overview.set({ status: 'idle', data: null })
    $stats.set({ status: 'idle', data: null })
  }
  void loadOverview()
  void loadStats()
  const key = $editing.get()
  // Text being edited is never thrown away by a refresh.
  const editor = $editors.get()[key]
  if (!editor || !isDirty(editor)) void loadSource(key)
}

export function selectEditor(key: EditorKey): void {
  $editing.set(key)
  if (!$editors.get()[key]) void loadSource(key)
}

export function editSource(key: EditorKey, source: string): void {
  const editor = $editors.get()[key] ?? { ...NEW, status: 'ready' as const }
  // Errors stay on screen while the admin fixes them; they are re-checked on Save.
  $editors.setKey(key, { ...editor, source, status: editor.status === 'saved' ? 'ready' : editor.status })
}

/** PUT the text; the server validates and swaps it in atomically, or refuses it with line-numbered errors. */
export async function saveSource(key: EditorKey): Promise<void> {
  const site = $botSite.get()
  const editor = $editors.get()[key]
  if (!site || !editor || editor.status === 'saving') return
  const source = editor.source
  patch(key, { status: 'saving', failure: null })
  const res = await api(pathOf(site, key), { method: 'PUT', body: { source }, schema: ScriptSourceResponseSchema })
  if ($botSite.get() !== site) return
  if (res.ok) {
    // Keep anything typed while the save was in flight.
    patch(key, { saved: source, version: res.data.version, status: 'saved', errors: [] })
    void loadOverview()
    void loadStats()
    return
  }
  if (res.error.status === 422 && res.error.scriptErrors.length > 0) {
    return patch(key, { status: 'invalid', errors: res.error.scriptErrors })
  }
  patch(key, { status: 'failed', failure: failureOf(res.error), errors: [] })
}

/** One variant's numbers with the rates the table and bars show (null where nothing was counted yet). */
export type StatsRow = BotStatsResponse['variants'][number] & { resolvedRate: number | null; handoffRate: number | null }

/** Every counted variant, plus those the experiment names that have nothing counted yet (as zeros). */
export function statsRows(stats: BotStatsResponse | null, variants: readonly string[] = []): StatsRow[] {
  const counted = stats?.variants ?? []
  const missing = variants.filter((name) => !counted.some((v) => v.variant === name))
  const zero = (variant: string) => ({ variant, conversations: 0, resolvedByBot: 0, handoffs: 0, ratings: 0, avgRating: null })
  const order = (a: string, b: string) => (a === 'default' ? -1 : b === 'default' ? 1 : a.localeCompare(b))
  return [...counted, ...missing.map(zero)]
    .sort((a, b) => order(a.variant, b.variant))
    .map((v) => ({
    ...v,
    resolvedRate: v.conversations > 0 ? v.resolvedByBot / v.conversations : null,
    handoffRate: v.conversations > 0 ? v.handoffs / v.conversations : null,
  }))
}

export function resetBotAdmin(): void {
  $botSite.set(null)
  $editors.set({})
  $editing.set(scriptKey('default'))
  $overview.set({ status: 'idle', data: null })
  $stats.set({ status: 'idle', data: null })
}
