import { randomFillSync } from 'node:crypto'
import type Database from 'better-sqlite3'
import type { Conversation, ConversationStatus, Holder, Message, Sender } from '../../protocol/index.ts'
import type { SqliteSync } from '../config.ts'
import type { ConversationRef } from './store.ts'

/**
 * The rows, SQL and ids shared by the main connection (store/sqlite.ts) and the writer thread
 * (store/writer-thread.ts). Runtime imports stay within this folder and better-sqlite3, so the writer
 * thread loads little.
 */

/** How a connection to the store's file is set up; the writer thread's connection gets the same. */
export type ConnectionSettings = { sync: SqliteSync; cacheKiB: number; busyTimeoutMs: number; walKeepBytes: number }

export function configure(db: Database.Database, settings: ConnectionSettings): void {
  db.pragma('journal_mode = WAL')
  db.pragma('foreign_keys = ON')
  db.pragma(`busy_timeout = ${settings.busyTimeoutMs}`)
  db.pragma(`cache_size = -${settings.cacheKiB}`)
  db.pragma(`synchronous = ${settings.sync}`)
  db.pragma(`journal_size_limit = ${settings.walKeepBytes}`)
}

/**
 * Sets SQLite's busy timeout of a connection to 0 for good, once it is set up: every write it makes then tries
 * again on a timer when another connection holds the write lock (the appender, and the store's `write`),
 * instead of sleeping its thread in SQLite's busy handler for 1-100 ms per try (on the event loop, a stall of
 * everything). Reads in WAL mode never wait for the write lock: only for a recovery of the WAL index that
 * another connection runs, which happens only when a process died in the middle of writing it. Setting it
 * once, not around each commit, saves two PRAGMA statements (compiled each time) per commit: 2 % of the
 * server's CPU at 5,000 messages/s.
 */
export function noWaitForLocks(db: Database.Database): void {
  db.pragma('busy_timeout = 0')
}

/**
 * A conversation row as an array (statements in raw mode), in CONV_COLUMNS order: better-sqlite3 builds an
 * object row property by property, which cost about a tenth of the CPU of each message (RESULTS.md).
 */
export type ConvRow = [
  id: string, site_key: string, visitor_id: string, visitor_name: string | null, status: ConversationStatus,
  last_seq: number, visitor_read_seq: number, agent_read_seq: number,
  last_text: string | null, last_sender: Sender | null, last_ts: number | null,
  holder: Holder, handoff_reason: string | null, handoff_at: number | null, labels: string, team: string | null,
  variant: string | null, rating: number | null, created_at: number, updated_at: number,
]
export type MessageRow = { id: string; conv_id: string; seq: number; cid: string; sender: Sender; sender_id: string; sender_name: string | null; text: string; ts: number }

/**
 * Random bytes for ids, drawn from the CSPRNG a few KiB at a time (as Node's `randomUUID` does): a
 * `randomBytes` call per message cost 2.9 µs and a native job object for the GC to sweep, a slice 0.1 µs.
 */
const randomPool = Buffer.alloc(4096)
let randomOffset = randomPool.length
function randomBase64url(bytes: number): string {
  if (randomOffset + bytes > randomPool.length) {
    randomFillSync(randomPool)
    randomOffset = 0
  }
  randomOffset += bytes
  return randomPool.toString('base64url', randomOffset - bytes, randomOffset)
}

export const newId = (prefix: string): string => `${prefix}_${randomBase64url(12)}`
/**
 * Message ids start with the time in base36 (which sorts as text), so each insert lands on the last page
 * of the primary-key index rather than a random one: 15 % fewer WAL bytes and 8 % less CPU per append.
 */
export const newMessageId = (nowMs: number): string => `m_${nowMs.toString(36).padStart(9, '0')}${randomBase64url(9)}`

export const toConv = (r: ConvRow): Conversation => ({
  id: r[0], site: r[1], visitorId: r[2], visitorName: r[3], status: r[4],
  lastSeq: r[5], visitorReadSeq: r[6], agentReadSeq: r[7],
  lastMessage: r[8] !== null && r[9] !== null && r[10] !== null ? { text: r[8], sender: r[9], ts: r[10] } : null,
  holder: r[11],
  handoff: r[12] !== null && r[13] !== null ? { reason: r[12], at: r[13] } : null,
  labels: JSON.parse(r[14]) as string[], team: r[15], variant: r[16], rating: r[17],
  createdAt: r[18], updatedAt: r[19],
})
export const toMessage = (r: MessageRow): Message => ({
  id: r.id, conv: r.conv_id, seq: r.seq, cid: r.cid, sender: r.sender, senderId: r.sender_id,
  senderName: r.sender_name, text: r.text, ts: r.ts,
})

/** Characters of the last message shown in the agents' list. */
const LAST_TEXT_MAX = 200
/**
 * A conversation as read: its row, its visitor's name, and its last message (seq, preview, sender, time)
 * looked up in the messages' `(conv_id, seq)` index. So an append leaves the conversation row alone (but
 * for `updated_at`, ACTIVITY_STEP_MS): rewriting it was a second random B-tree page per message, about a
 * third of an append's cost (migration 4, RESULTS.md).
 */
const CONV_COLUMNS = `c.id, c.site_key, c.visitor_id, v.name, c.status, coalesce(m.seq, 0), c.visitor_read_seq, c.agent_read_seq,
  substr(m.text, 1, ${LAST_TEXT_MAX}), m.sender, m.ts, c.holder, c.handoff_reason, c.handoff_at,
  c.labels, c.team, c.variant, c.rating, c.created_at, c.updated_at`
/** The last seq of the conversation whose id is the SQL expression `id` (NULL before its first message). */
const lastSeqOf = (id: string): string => `(SELECT max(seq) FROM messages WHERE conv_id = ${id})`
export const CONV_SELECT = `SELECT ${CONV_COLUMNS} FROM conversations c JOIN visitors v ON v.id = c.visitor_id
  LEFT JOIN messages m ON m.conv_id = c.id AND m.seq = ${lastSeqOf('c.id')}`
export const LAST_SEQ = `coalesce(${lastSeqOf('conversations.id')}, 0)`
/**
 * A message moves its conversation's `updated_at` only when the last move is older than this. Every move
 * rewrites the conversation's entry in the agents' activity index (a random B-tree page, about a quarter
 * of a message's pages); a chat's messages come seconds apart, so most of them skip it. Lists ordered by
 * `updated_at` are in order to within this step; the console orders by the last message's own time.
 */
export const ACTIVITY_STEP_MS = 10_000

/** A conversation as an append reads it (ConversationRef): its row and its last seq, one index seek. */
const CONV_REF_SELECT = `SELECT c.id, c.site_key, c.visitor_id, c.status, c.holder, c.updated_at, coalesce(${lastSeqOf('c.id')}, 0) FROM conversations c`
export type ConvRefRow = [id: string, site_key: string, visitor_id: string, status: ConversationStatus, holder: Holder, updated_at: number, last_seq: number]
export const toConvRefOrNull = (r: ConvRefRow | undefined): ConversationRef | null =>
  r ? { id: r[0], site: r[1], visitorId: r[2], status: r[3], holder: r[4], updatedAt: r[5], lastSeq: r[6] } : null

const BY_ID = 'WHERE c.id = ?'
const OPEN_OF_VISITOR = "WHERE c.visitor_id = ? AND c.status = 'open'"
/** A stored message by its idempotency key (sender, cid). */
const MSG_BY_SENDER_CID = 'SELECT * FROM messages WHERE sender_id = ? AND cid = ?'
/** The store's lookups (store/sqlite.ts): whole conversations, prepared on `db`. */
export function prepareLookups(db: Database.Database) {
  return {
    convById: db.prepare<[string], ConvRow>(`${CONV_SELECT} ${BY_ID}`).raw(),
    openConvOf: db.prepare<[string], ConvRow>(`${CONV_SELECT} ${OPEN_OF_VISITOR}`).raw(),
    msgBySenderCid: db.prepare<[string, string], MessageRow>(MSG_BY_SENDER_CID),
  }
}
/** The appender's lookups (store/appender.ts): the same by the same keys, as an append reads them (ConversationRef). */
export function prepareAppendLookups(db: Database.Database) {
  return {
    convRefById: db.prepare<[string], ConvRefRow>(`${CONV_REF_SELECT} ${BY_ID}`).raw(),
    openConvRefOf: db.prepare<[string], ConvRefRow>(`${CONV_REF_SELECT} ${OPEN_OF_VISITOR}`).raw(),
    msgBySenderCid: db.prepare<[string, string], MessageRow>(MSG_BY_SENDER_CID),
  }
}
export const toConvOrNull = (row: ConvRow | undefined): Conversation | null => (row ? toConv(row) : null)
