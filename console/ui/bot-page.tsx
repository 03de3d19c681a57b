import { useStore } from '@nanostores/preact'
import { useEffect, useRef } from 'preact/hooks'
import type { Agent, ScriptErrorBody, Site } from '../../protocol/index.ts'
import type { MessageKey } from '../i18n/messages.ts'
import { useLocale, useT } from '../i18n/use-t.ts'
import { formatFull } from '../lib/time.ts'
import { percent } from '../lib/why.ts'
import {
  $botSite,
  $editing,
  $editors,
  $overview,
  $stats,
  EXPERIMENT,
  editSource,
  isDirty,
  loadOverview,
  loadStats,
  openBotPage,
  saveSource,
  scriptKey,
  selectEditor,
  statsRows,
  variantNames,
  type Editor,
  type EditorKey,
  type StatsRow,
} from '../stores/bot-admin.ts'

/** The editor's line height in px (the gutter and the jump-to-error scroll rely on it; see styles.css). */
const LINE_PX = 20

/** A site's bot: what runs, the results per variant, and the script and experiment editors. */
export function BotPage({ agent, sites }: { agent: Agent; sites: readonly Site[] }) {
  const t = useT()
  const site = useStore($botSite)
  const siteName = sites.find((s) => s.key === site)?.name ?? site ?? ''
  return (
    <main class="botpage" data-testid="bot-page">
      <div class="botpage-inner">
        <header class="botpage-head">
          <div>
            <h1>{t('bot.title')}</h1>
            <p class="botpage-sub">{t('bot.subtitle', { site: siteName })}</p>
          </div>
          <div class="botpage-tools">
            {sites.length > 1 ? (
              <label class="field-inline">
                <span>{t('bot.site')}</span>
                <select value={site ?? ''} onChange={(e) => openBotPage(e.currentTarget.value)}>
                  {sites.map((s) => (
                    <option key={s.key} value={s.key}>
                      {s.name}
                    </option>
                  ))}
                </select>
              </label>
            ) : null}
            <button
              type="button"
              class="btn btn-sm"
              onClick={() => {
                void loadOverview()
                void loadStats()
              }}
            >
              {t('bot.refresh')}
            </button>
          </div>
        </header>
        <div class="botpage-grid">
          <Overview />
          <Stats />
        </div>
        <EditorCard readOnly={agent.role !== 'admin'} />
      </div>
    </main>
  )
}

function Overview() {
  const t = useT()
  const locale = useLocale()
  const { status, data } = useStore($overview)
  return (
    <section class="card" data-testid="bot-overview">
      <h2 class="card-title">{t('bot.variants')}</h2>
      {!data ? (
        <p class="card-note">{status === 'failed' ? t('bot.failed') : t('bot.loading')}</p>
      ) : data.variants.length === 0 ? (
        <p class="card-note">{t('bot.noVariants')}</p>
      ) : (
        <table class="table">
          <thead>
            <tr>
              <th>{t('bot.variant')}</th>
              <th>{t('bot.version')}</th>
              <th>{t('bot.loadedAt')}</th>
              <th>{t('bot.state')}</th>
            </tr>
          </thead>
          <tbody>
            {data.variants.map((v) => (
              <tr key={v.variant} data-testid="bot-variant" data-variant={v.variant}>
                <td>
                  <button type="button" class="link-btn" onClick={() => selectEditor(scriptKey(v.variant))}>
                    {v.variant}
                  </button>
                </td>
                <td>
                  <code>{v.version ? v.version.slice(0, 12) : '—'}</code>
                </td>
                <td>{v.loadedAt ? formatFull(v.loadedAt, locale) : '—'}</td>
                <td>
                  {v.errors.length > 0 ? (
                    <span class="state state-error" title={v.errors.map(errorLine(t)).join('\n')}>
                      {t('bot.loadErrors', { count: v.errors.length })}
                    </span>
                  ) : v.version ? (
                    <span class="state state-ok">{t('bot.running')}</span>
                  ) : (
                    <span class="state">{t('bot.notLoaded')}</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data ? (
        <div class="experiment-line" data-testid="bot-experiment">
          {data.experiment ? (
            <>
              <strong>{t('bot.experimentNamed', { name: data.experiment.name })}</strong>
              <span>
                {Object.entries(data.experiment.weights)
                  .map(([variant, weight]) => `${variant} ${weight}`)
                  .join(' · ')}
              </span>
              {data.experiment.errors.length > 0 ? (
                <span class="state state-error">{t('bot.loadErrors', { count: data.experiment.errors.length })}</span>
              ) : null}
            </>
          ) : (
            <span class="card-note">{t('bot.noExperiment')}</span>
          )}
        </div>
      ) : null}
    </section>
  )
}

const errorLine = (t: ReturnType<typeof useT>) => (e: ScriptErrorBody) => `${t('bot.errorAt', { line: e.line, column: e.column })}: ${e.message}`

type Metric = { key: MessageKey; cell: (row: StatsRow, locale: string, t: ReturnType<typeof useT>) => preact.ComponentChild }

const METRICS: readonly Metric[] = [
  { key: 'bot.stats.conversations', cell: (r) => r.conversations },
  { key: 'bot.stats.resolvedByBot', cell: (r, locale) => <Rate count={r.resolvedByBot} rate={r.resolvedRate} locale={locale} tone="good" /> },
  { key: 'bot.stats.handoffs', cell: (r) => r.handoffs },
  { key: 'bot.stats.handoffRate', cell: (r, locale) => <Rate count={null} rate={r.handoffRate} locale={locale} tone="warn" /> },
  {
    key: 'bot.stats.rating',
    cell: (r, locale, t) =>
      r.avgRating === null ? (
        '—'
      ) : (
        <span>
          <span class="stars">★</span> {new Intl.NumberFormat(locale, { maximumFractionDigits: 1, minimumFractionDigits: 1 }).format(r.avgRating)}{' '}
          <span class="muted">({t('bot.stats.ratings', { count: r.ratings })})</span>
        </span>
      ),
  },
]

function Rate({ count, rate, locale, tone }: { count: number | null; rate: number | null; locale: string; tone: 'good' | 'warn' }) {
  if (rate === null) return <span>{count ?? '—'}</span>
  return (
    <span class="rate-cell">
      <span class="rate-text">
        {count !== null ? `${count} · ` : ''}
        {percent(rate, locale)}
      </span>
      <span class="bar" aria-hidden="true">
        <span class={`bar-fill bar-${tone}`} style={{ width: `${Math.round(rate * 100)}%` }} />
      </span>
    </span>
  )
}

function Stats() {
  const t = useT()
  const locale = useLocale()
  const { status, data } = useStore($stats)
  const overview = useStore($overview).data
  // Only variants the experiment splits visitors between (or that counted something) are compared.
  const rows = statsRows(data, Object.keys(overview?.experiment?.weights ?? {}))
  return (
    <section class="card" data-testid="bot-stats">
      <h2 class="card-title">
        {t('bot.stats')}
        {data?.experiment ? <span class="card-sub">{t('bot.experimentNamed', { name: data.experiment })}</span> : null}
      </h2>
      {!data ? (
        <p class="card-note">{status === 'failed' ? t('bot.failed') : t('bot.loading')}</p>
      ) : rows.length === 0 ? (
        <p class="card-note">{t('bot.stats.empty')}</p>
      ) : (
        <table class="table stats-table">
          <thead>
            <tr>
              <th />
              {rows.map((r) => (
                <th key={r.variant} data-testid="stats-variant">
                  {r.variant}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {METRICS.map((m) => (
              <tr key={m.key}>
                <th scope="row">{t(m.key)}</th>
                {rows.map((r) => (
                  <td key={r.variant}>{m.cell(r, locale, t)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}

function EditorCard({ readOnly }: { readOnly: boolean }) {
  const t = useT()
  const overview = useStore($overview).data
  const editing = useStore($editing)
  const keys: EditorKey[] = [...variantNames(overview).map(scriptKey), EXPERIMENT]
  return (
    <section class="card editor-card" data-testid="bot-editor">
      <div class="editor-tabs" role="tablist">
        {keys.map((key) => (
          <button
            key={key}
            type="button"
            role="tab"
            class="tab"
            data-testid={`editor-tab-${key}`}
            aria-selected={key === editing}
            onClick={() => selectEditor(key)}
          >
            {key === EXPERIMENT ? t('bot.editExperiment') : t('bot.editScript', { variant: key.slice('script:'.length) })}
          </button>
        ))}
      </div>
      <ScriptEditor key={editing} editorKey={editing} readOnly={readOnly} />
    </section>
  )
}

function statusText(editor: Editor, key: EditorKey, t: ReturnType<typeof useT>): { text: string; tone: string } | null {
  switch (editor.status) {
    case 'loading':
      return { text: t('bot.loading'), tone: '' }
    case 'saving':
      return { text: t('bot.saving'), tone: '' }
    case 'saved':
      return isDirty(editor)
        ? { text: t('bot.unsaved'), tone: 'warn' }
        : { text: key === EXPERIMENT ? t('bot.savedExperiment') : t('bot.saved', { version: editor.version?.slice(0, 12) ?? '' }), tone: 'ok' }
    case 'invalid':
      return { text: t('bot.invalid', { count: editor.errors.length }), tone: 'error' }
    case 'failed':
      return {
        text: editor.failure === 'forbidden' ? t('bot.forbidden') : editor.failure === 'network' ? t('bot.network') : t('bot.failed'),
        tone: 'error',
      }
    case 'missing':
      return isDirty(editor) ? { text: t('bot.unsaved'), tone: 'warn' } : { text: t('bot.missing'), tone: '' }
    case 'ready':
      return isDirty(editor) ? { text: t('bot.unsaved'), tone: 'warn' } : null
  }
}

function ScriptEditor({ editorKey, readOnly }: { editorKey: EditorKey; readOnly: boolean }) {
  const t = useT()
  const editor = useStore($editors, { keys: [editorKey] })[editorKey]
  const area = useRef<HTMLTextAreaElement>(null)
  const gutter = useRef<HTMLDivElement>(null)
  const source = editor?.source ?? ''
  const lineCount = source.split('\n').length
  const errorLines = new Set(editor?.errors.map((e) => e.line))
  const status = editor ? statusText(editor, editorKey, t) : null

  // The gutter follows the textarea's scroll (also after a jump to an error).
  const syncGutter = () => {
    if (gutter.current && area.current) gutter.current.scrollTop = area.current.scrollTop
  }
  useEffect(syncGutter, [source])

  const jumpTo = (e: ScriptErrorBody) => {
    const el = area.current
    if (!el) return
    const lines = el.value.split('\n')
    const before = lines.slice(0, Math.max(0, e.line - 1)).reduce((n, l) => n + l.length + 1, 0)
    const at = Math.min(before + Math.max(0, e.column - 1), el.value.length)
    el.focus()
    el.setSelectionRange(at, at)
    el.scrollTop = Math.max(0, (e.line - 3) * LINE_PX)
    syncGutter()
  }

  const save = () => {
    if (!readOnly) void saveSource(editorKey)
  }

  return (
    <div class="script-editor">
      {editor && editor.errors.length > 0 ? (
        <ol class="script-errors" data-testid="script-errors" aria-live="assertive">
          {editor.errors.map((e, i) => (
            <li key={i} data-line={e.line}>
              <button type="button" class="link-btn" onClick={() => jumpTo(e)}>
                {t('bot.errorAt', { line: e.line, column: e.column })}
              </button>
              <span>{e.message}</span>
            </li>
          ))}
        </ol>
      ) : null}
      <div class={editor?.status === 'invalid' ? 'editor is-invalid' : 'editor'}>
        <div class="editor-gutter" ref={gutter} aria-hidden="true">
          {Array.from({ length: lineCount }, (_, i) => (
            <div key={i} class={errorLines.has(i + 1) ? 'is-error' : undefined}>
              {i + 1}
            </div>
          ))}
        </div>
        <textarea
          ref={area}
          data-testid="script-source"
          spellcheck={false}
          wrap="off"
          readOnly={readOnly || editor?.status === 'loading'}
          aria-label={editorKey === EXPERIMENT ? t('bot.editExperiment') : t('bot.editScript', { variant: editorKey.slice('script:'.length) })}
          value={source}
          onInput={(e) => editSource(editorKey, e.currentTarget.value)}
          onScroll={syncGutter}
          onKeyDown={(e) => {
            if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's') {
              e.preventDefault()
              save()
            }
          }}
        />
      </div>
      <div class="editor-bar">
        <span class={`editor-status ${status?.tone ? `is-${status.tone}` : ''}`} data-testid="script-status" data-status={editor?.status} role="status">
          {status?.text ?? ''}
        </span>
        {readOnly ? (
          <span class="card-note">{t('bot.readOnly')}</span>
        ) : (
          <span class="editor-actions">
            <span class="muted editor-hint">{t('bot.shortcut')}</span>
            <button
              type="button"
              class="btn btn-primary btn-sm"
              data-testid="script-save"
              disabled={!editor || editor.status === 'saving' || editor.status === 'loading' || (editor.status !== 'failed' && !isDirty(editor))}
              onClick={save}
            >
              {editor?.status === 'saving' ? t('bot.saving') : t('bot.save')}
            </button>
          </span>
        )}
      </div>
    </div>
  )
}
