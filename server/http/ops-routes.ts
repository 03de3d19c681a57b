import { Hono } from 'hono'
import type { Deps } from '../deps.ts'

/** /healthz (process up), /readyz (store answers), /metrics (Prometheus text). */
export function createOpsRoutes(deps: Deps): Hono {
  const app = new Hono()
  app.get('/healthz', (c) => c.text('ok\n'))
  app.get('/readyz', async (c) => {
    try {
      await deps.store.ping()
      return c.text('ready\n')
    } catch {
      return c.text('not ready\n', 503)
    }
  })
  app.get('/metrics', async (c) =>
    c.body(await deps.metrics.registry.metrics(), 200, { 'Content-Type': deps.metrics.registry.contentType }),
  )
  return app
}
