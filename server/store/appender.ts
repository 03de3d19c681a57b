import { channel } from 'node:diagnostics_channel'
import type Database from 'better-sqlite3'
import type { Message } from '../../protocol/index.ts'
import { ACTIVITY_STEP_MS, newMessageId, prepareAppendLookups, toConvRefOrNull, toMessage, type MessageRow } from './sql.ts'
import { ConflictError, NotFoundError, type AppendInput, type AppendResult, type ConversationRef } from './store.ts'

/** How soon a write refused by a busy write lock tries again. */
export const BUSY_RETRY_MS = 1
/**
 * Group commits start at least this far apart. A commit costs about as much as the appends in it (172 µs
 * per message one at a time, 96 µs four at a time, `npm run bench:store`), and at 1,000–2,000 messages/s
 * one event-loop turn gathers only one or two: waiting for the next slot makes each commit carry several.
 * When no commit ran in the last spacing (an idle server, one visitor typing) an append commits at once;
 * under load an ack waits at most this long more.
 */
export const COMMIT_SPACING_MS = 3

/**
 * A group commit that found the write lock taken (the checkpointer's RESTART, the writer thread, another
 * process) and waited for it, published on the `kefu:sqlite:lock-wait` diagnostics channel when someone
 * listens (on the thread the appender runs on: the writer thread's are not seen on the main thread): `at`
 * when it first found the lock taken (epoch ms), `ms` until it committed.
 */
export type LockWait = { at: number; ms: number }
export const lockWaits = channel('kefu:sqlite:lock-wait')

export type AppenderOptions = {
  /** Appends committed together, at most this many. */
  batchMax: number
  /** Under load, group commits start at least this far apart (0: every event-loop turn). */
  commitSpacingMs: number
  /** How long a commit keeps trying while another connection holds the write lock (on a timer, never in SQLite's busy handler). */
  busyTimeoutMs: number
  /** While true, commits wait (an explicit transaction holds this connection). */
  held?: () => boolean
}

export type Appender = {
  append(input: AppendInput): Promise<AppendResult>
  /** Commits everything queued now (unless held). */
  flush(): void
  /** Commits everything queued, in as many batches as it takes. */
  drain(): void
}

type Pending = { input: AppendInput; resolve: (r: AppendResult) => void; reject: (e: unknown) => void }

/**
 * Appends on one connection, committed in groups: appends queue up and commit together once per
 * event-loop turn (at most every `commitSpacingMs`); each promise resolves only after its batch's COMMIT
 * returned, so callers ack durable messages only. Runs on the main connection (the default) or on the
 * writer thread (store/writer.ts).
 */
export function createAppender(db: Database.Database, options: AppenderOptions): Appender {
  const q = {
    ...prepareAppendLookups(db),
    touchConv: db.prepare('UPDATE conversations SET updated_at = ? WHERE id = ?'),
    // A resend (same sender and cid) inserts nothing: `changes` is 0 and the stored message is looked up.
    insertMessage: db.prepare(
      `INSERT INTO messages (id, conv_id, seq, cid, sender, sender_id, sender_name, text, ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (cid, sender_id) DO NOTHING`,
    ),
  }
  /** The conversation `conv`, or the open conversation of `senderId` when `conv` is null. */
  const conversationOf = (conv: string | null, senderId: string): ConversationRef | null =>
    toConvRefOrNull(conv === null ? q.openConvRefOf.get(senderId) : q.convRefById.get(conv))
  /** Why the message may not go into `conversation` (AppendInput's conditions), or null. */
  const refusal = (input: AppendInput, conversation: ConversationRef | null): Error | null => {
    if (!conversation) return new NotFoundError(input.conv === null ? `no open conversation of ${input.senderId}` : `conversation ${input.conv}`)
    if (input.ifHolder !== undefined && conversation.holder !== input.ifHolder) return new ConflictError(`conversation is not held by ${input.ifHolder}`)
    if (input.ifHolderNot !== undefined && conversation.holder === input.ifHolderNot) return new ConflictError(`conversation is held by ${input.ifHolderNot}`)
    if (input.ifSiteIn && !input.ifSiteIn.includes(conversation.site)) return new ConflictError('conversation of another site')
    return null
  }
  const resent = (row: MessageRow): AppendResult => {
    const conversation = conversationOf(row.conv_id, row.sender_id)
    if (!conversation) throw new NotFoundError(`conversation ${row.conv_id}`)
    return { message: toMessage(row), duplicate: true, conversation }
  }

  /**
   * One append inside the batch transaction: one read (the conversation, whose last seq comes from the
   * messages' index) and one insert; the conversation row is written only to move `updated_at`. Expected
   * failures (no such conversation, a condition of the input not met) return before any write, so no
   * per-item savepoint is needed; anything unexpected throws and aborts the whole batch. A resend of a
   * stored message (same sender and cid, wherever it was stored) returns that message, whatever else has
   * changed since.
   */
  const appendOne = (input: AppendInput): { ok: true; value: AppendResult } | { ok: false; error: Error } => {
    const conversation = conversationOf(input.conv, input.senderId)
    const refused = refusal(input, conversation)
    if (refused || !conversation) {
      const existing = q.msgBySenderCid.get(input.senderId, input.cid)
      if (existing) return { ok: true, value: resent(existing) }
      return { ok: false, error: refused! }
    }
    const message: Message = {
      id: newMessageId(input.ts), conv: conversation.id, seq: conversation.lastSeq + 1, cid: input.cid, sender: input.sender,
      senderId: input.senderId, senderName: input.senderName, text: input.text, ts: input.ts,
    }
    const { changes } = q.insertMessage.run(message.id, message.conv, message.seq, message.cid, message.sender, message.senderId, message.senderName, message.text, message.ts)
    if (changes === 0) return { ok: true, value: resent(q.msgBySenderCid.get(input.senderId, input.cid)!) }
    if (conversation.updatedAt <= input.ts - ACTIVITY_STEP_MS) {
      q.touchConv.run(input.ts, conversation.id)
      conversation.updatedAt = input.ts
    }
    conversation.lastSeq = message.seq
    return { ok: true, value: { message, duplicate: false, conversation } }
  }

  let queue: Pending[] = []
  let scheduled = false
  const runBatch = db.transaction((batch: Pending[]) => batch.map((p) => appendOne(p.input)))
  // While another connection holds the write lock, the batch goes back to the queue and is tried again 1 ms
  // later, and the event loop goes on; past the busy timeout it fails as any write would. (The connection
  // runs with SQLite's busy_timeout at 0, sql.ts noWaitForLocks: its busy handler would sleep the thread.)
  let busySince: number | null = null
  let lastCommitAt = -Infinity
  const flush = (): void => {
    scheduled = false
    if (queue.length === 0 || !db.open) return
    if (options.held?.()) return schedule()
    const batch = queue.length <= options.batchMax ? queue : queue.slice(0, options.batchMax)
    queue = queue.length <= options.batchMax ? [] : queue.slice(options.batchMax)
    let results: ReturnType<typeof runBatch>
    lastCommitAt = performance.now()
    try {
      results = runBatch.immediate(batch)
    } catch (error) {
      const now = Date.now()
      if (isBusy(error) && now - (busySince ??= now) < options.busyTimeoutMs) {
        queue = [...batch, ...queue] // nothing was written: BEGIN IMMEDIATE is what was refused
        return schedule(BUSY_RETRY_MS)
      }
      busySince = null
      for (const p of batch) p.reject(error)
      if (queue.length > 0) schedule()
      return
    }
    if (busySince !== null && lockWaits.hasSubscribers) lockWaits.publish({ at: busySince, ms: Date.now() - busySince } satisfies LockWait)
    busySince = null
    results.forEach((r, i) => (r.ok ? batch[i]!.resolve(r.value) : batch[i]!.reject(r.error)))
    if (queue.length > 0) schedule()
  }
  const schedule = (retryMs?: number): void => {
    if (scheduled) return
    scheduled = true
    const waitMs = retryMs ?? Math.ceil(lastCommitAt + options.commitSpacingMs - performance.now())
    if (waitMs <= 0) setImmediate(flush)
    else setTimeout(flush, waitMs)
  }

  return {
    append(input) {
      return new Promise<AppendResult>((resolve, reject) => {
        queue.push({ input, resolve, reject })
        schedule()
      })
    },
    flush,
    drain() {
      while (queue.length > 0 && db.open && !options.held?.()) flush()
    },
  }
}

/** SQLITE_BUSY and its extended codes: the write lock was taken, nothing was written. */
export const isBusy = (error: unknown): boolean => String((error as { code?: unknown }).code).startsWith('SQLITE_BUSY')
