import { runCli, USAGE, UsageError } from './admin.ts'

/** `npm run kefu -- <command>`: see USAGE in admin.ts. */
runCli(process.argv.slice(2)).then(
  (out) => console.log(out),
  (error: unknown) => {
    if (!(error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))) throw error
    console.error(`${(error as Error).message}\n\n${USAGE}`)
    process.exitCode = 2
  },
)
