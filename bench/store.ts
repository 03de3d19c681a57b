import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { createCid } from '../protocol/cid.ts'
import { createSqliteStore } from '../server/store/sqlite.ts'

/**
 * `npm run bench:store`: the store alone, driven the way a socket's `send` drives it (server/ws/connection.ts):
 * a visitor's send appends to its open conversation, an agent's to a conversation of its sites; appends
 * commit together per event-loop turn. Prints CPU per message over many conversations, the
 * figure that limits delivery latency and throughput (bench/RESULTS.md). No sockets, no generator: run it
 * before and after a store change, on the same machine, back to back.
 */
const { values } = parseArgs({
  options: {
    conversations: { type: 'string', default: '10000' },
    messages: { type: 'string', default: '40000' },
    /** Sends in flight per event-loop turn: about what one turn of the server gathers at 2,000–5,000/s. */
    batch: { type: 'string', default: '12' },
    /** Commit on the writer thread instead of the main connection (to compare the two). */
    'writer-thread': { type: 'boolean', default: false },
  },
})
const CONVERSATIONS = Number(values.conversations)
const MESSAGES = Number(values.messages)
const BATCH = Number(values.batch)
const TEXT = '@12345.678|Hello, my order 10482 has not arrived yet. Could you check where it is?'

const dir = mkdtempSync(join(tmpdir(), 'kefu-store-bench-'))
// No commit spacing: each turn's sends commit together at once, so the figure is the store's own cost per
// append at that batch size (with spacing, the idle waits between turns would be charged to it).
const store = createSqliteStore({ filename: join(dir, 'kefu.db'), sync: 'NORMAL', commitSpacingMs: 0, writerThread: values['writer-thread'] })
try {
  await store.createSite({ key: 'bench', name: 'Bench', color: '#000000', greeting: null, allowedOrigins: [], secretEnc: 'x' }, Date.now())
  const agent = { sender: 'agent' as const, senderId: 'a_bench', senderName: 'Agent' }
  const visitors: string[] = []
  for (let i = 0; i < CONVERSATIONS; i++) visitors.push((await store.createVisitor('bench', Date.now())).id)
  const convs: string[] = []
  // Each visitor opens its conversation with one message (not measured).
  for (let i = 0; i < CONVERSATIONS; i += BATCH) {
    await Promise.all(visitors.slice(i, i + BATCH).map(async (id) => {
      const { conversation } = await store.getOrCreateOpenConversation(id, Date.now())
      convs.push(conversation.id)
      await store.append({ conv: conversation.id, sender: 'visitor', senderId: id, senderName: null, cid: createCid(), text: TEXT, ts: Date.now() })
    }))
  }
  const sendOne = async (n: number) => {
    const k = Math.floor(Math.random() * CONVERSATIONS)
    const now = Date.now()
    const cid = createCid()
    // As server/ws/connection.ts sends, reading nothing first: a visitor into their open conversation, an
    // agent into a conversation of their sites that no bot holds.
    if (n % 2 === 0) await store.append({ conv: null, sender: 'visitor', senderId: visitors[k]!, senderName: null, cid, text: TEXT, ts: now })
    else await store.append({ conv: convs[k]!, ...agent, cid, text: TEXT, ts: now, ifSiteIn: ['bench'], ifHolderNot: 'bot' })
  }
  const cpu0 = process.cpuUsage()
  const elu0 = performance.eventLoopUtilization()
  const t0 = performance.now()
  for (let n = 0; n < MESSAGES; n += BATCH) await Promise.all(Array.from({ length: Math.min(BATCH, MESSAGES - n) }, (_, j) => sendOne(n + j)))
  const cpu = process.cpuUsage(cpu0)
  const elu = performance.eventLoopUtilization(elu0)
  const wallMs = performance.now() - t0
  console.log(
    `${MESSAGES} messages over ${CONVERSATIONS} conversations, ${BATCH} per turn: ` +
      `${((cpu.user + cpu.system) / MESSAGES).toFixed(1)} µs CPU per message ` +
      `(user ${(cpu.user / MESSAGES).toFixed(1)}, system ${(cpu.system / MESSAGES).toFixed(1)}); ` +
      `${((wallMs * 1000) / MESSAGES).toFixed(1)} µs wall (CPU includes the writer and checkpointer threads); ` +
      `event loop busy ${((elu.active * 1000) / MESSAGES).toFixed(1)} µs per message (${values['writer-thread'] ? 'writer thread' : 'appends on the main connection'})`,
  )
} finally {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
}
