import { createServer } from './server.ts'

/** `npm start`: serve Kefu until SIGTERM/SIGINT, then close sockets (1001), flush appends, close the db. */
const running = await createServer()
const base = running.config.publicUrl
const { adminEmail } = running.config
const password = running.generatedAdminPassword
  ? `${running.generatedAdminPassword}  (generated, shown once: set KEFU_ADMIN_PASSWORD to choose it)`
  : process.env.KEFU_ADMIN_PASSWORD
    ? '(from KEFU_ADMIN_PASSWORD)'
    : '(printed at first start; set KEFU_ADMIN_PASSWORD to reset it)'
const lines = [
  `Kefu is running on ${running.url} (data in ${running.config.dataDir})`,
  `  agent console   ${base}/console`,
  `  login           ${adminEmail} / ${password}`,
]
if (running.config.demo) {
  lines.push(
    `  demo shop       ${base}/demo`,
    `  chat (WebView)  ${base}/chat?site=demo`,
    `  embed snippet   <script src="${base}/widget.js" data-site="demo" async></script>`,
  )
}
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
