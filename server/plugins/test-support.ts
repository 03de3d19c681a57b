import { createServer, type AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { serve } from '@hono/node-server'
import type { Hono } from 'hono'
import pino, { type Logger } from 'pino'
import { emptyAnalysis, type ActionContext, type ActionResult, type Entity } from '../bot/types.ts'

/** Test helpers for the plugin tests (not a test file itself). */

export type Served = { url: string; close(): Promise<void> }

/** Serves a Hono app on a real loopback port. */
export function serveApp(app: Hono): Promise<Served> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            if ('closeAllConnections' in server) server.closeAllConnections()
            server.close(() => done())
          }),
      })
    })
  })
}

/** A loopback URL where nothing listens: bind a port, then free it. */
export function closedPortUrl(): Promise<string> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(`http://127.0.0.1:${port}`))
    })
  })
}

/** A pino logger whose output the test can read. */
export function captureLogger(): { logger: Logger; text(): string; lines(): Record<string, unknown>[] } {
  const chunks: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'))
      done()
    },
  })
  const logger = pino({ level: 'debug' }, stream)
  const text = () => chunks.join('')
  return { logger, text, lines: () => text().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>) }
}

export const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736'

/** What the engine would hand an action for a visitor message. */
export function actionContext(text: string, options: { entities?: Entity[]; args?: Record<string, unknown>; logger?: Logger } = {}): ActionContext {
  return {
    site: 'demo',
    conversationId: 'conv-1',
    visitor: { id: 'visitor-1', userId: null, name: '王小明', email: 'xiaoming@example.com' },
    analysis: { ...emptyAnalysis(text), entities: options.entities ?? [] },
    args: options.args ?? {},
    traceId: TRACE_ID,
    logger: options.logger ?? pino({ level: 'silent' }),
  }
}

/** An order entity as the pipeline's entity processor reports it. */
export function orderEntity(text: string, value: string): Entity {
  const start = text.indexOf(value)
  return { type: 'order', value, text: value, start, end: start + value.length }
}

/** The replies as the visitor would read them: `{{vars.x}}` filled in the way the engine does. */
export const rendered = (result: ActionResult): string[] =>
  (result.replies ?? []).map((r) => r.replace(/\{\{\s*vars\.([\w-]+)\s*\}\}/g, (_, name: string) => result.vars?.[name] ?? ''))
