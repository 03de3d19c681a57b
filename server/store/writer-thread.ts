import { parentPort, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'
import { createAppender } from './appender.ts'
import { configure, noWaitForLocks } from './sql.ts'
import type { AppendRequest, WriterData, WriterReply } from './writer.ts'

/**
 * The writer thread (store/writer.ts): its own connection to the store's file, the group commit of
 * appends, and nothing else. Requests come in batches, replies go back one batch per commit.
 */
const data = workerData as WriterData
const port = parentPort!
const db = new Database(data.filename)
configure(db, data.settings)
noWaitForLocks(db)
db.pragma('wal_autocheckpoint = 0') // the checkpointer thread does it (store/checkpointer.ts)
const appender = createAppender(db, data.appender)

let outbox: WriterReply[] = []
const reply = (r: WriterReply): void => {
  if (outbox.push(r) === 1) queueMicrotask(() => {
    port.postMessage(outbox)
    outbox = []
  })
}
const errorOf = (e: unknown) => {
  const { name, message, code } = e as { name?: unknown; message?: unknown; code?: unknown }
  return { name: String(name), message: String(message), code: typeof code === 'string' ? code : undefined }
}

port.on('message', (m: AppendRequest[] | 'close' | 'autocheckpoint') => {
  if (m === 'autocheckpoint') return void db.pragma('wal_autocheckpoint = 1000')
  if (m === 'close') {
    appender.drain()
    // The replies of the last commits are sent from promise callbacks: let those run, then say so and end.
    setImmediate(() => {
      db.close()
      port.postMessage('closed')
      port.close()
    })
    return
  }
  for (const { id, input } of m) {
    appender.append(input).then(
      (value) => reply({ id, value }),
      (error: unknown) => reply({ id, error: errorOf(error) }),
    )
  }
})
