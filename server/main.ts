import { createServer } from './server.ts'

/** `npm start`: serve Kefu until SIGTERM/SIGINT, then close sockets (1001), flush appends, close the db. */
const running = await createServer()
const base = running.config.publicUrl
const login = running.generatedAdminPassword
  ? `login ${running.config.adminEmail} / ${running.generatedAdminPassword} (shown once; set KEFU_ADMIN_PASSWORD to choose it)`
  : `login ${running.config.adminEmail}`
const lines = [`Kefu is running: console ${base}/console (${login})`]
if (running.config.demo) lines.push(`demo shop ${base}/demo, chat ${base}/chat?site=demo`)
lines.push(`listening on ${running.url}`)
process.stdout.write(`${lines.join('\n')}\n`)

let stopping = false
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return
    stopping = true
    running.deps.logger.info({ signal }, 'shutting down')
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        running.deps.logger.error({ err: error }, 'shutdown failed')
        process.exit(1)
      },
    )
  })
}
