import { createHash, randomBytes, randomFillSync } from 'node:crypto'
import Database from 'better-sqlite3'
import type { Attributes, BotTurn, Conversation, ConversationStatus, Holder, Message, Sender, Side } from '../../protocol/index.ts'
import { SERVER_LIMITS, type SqliteSync } from '../config.ts'
import { startCheckpointer, type Checkpointer } from './checkpointer.ts'
import { migrate } from './migrations.ts'
import {
  ConflictError,
  NotFoundError,
  type AgentRecord,
  type AppendInput,
  type AppendResult,
  type ConversationPatch,
  type MergeResult,
  type SiteRecord,
  type Store,
  type VisitorRecord,
} from './store.ts'

export type SqliteStoreOptions = {
  /** File path or ':memory:'. */
  filename: string
  sync?: SqliteSync
  /** Appends committed together per event-loop turn, at most this many. */
  batchMax?: number
  /** Checkpoint the WAL on a worker thread (default) instead of inside COMMITs on the event loop. */
  checkpointWorker?: boolean
  /** How often the worker checkpoints (tests slow it down to see the WAL fill first). */
  checkpointEveryMs?: number
  /** Under load, group commits start at least this far apart (0: every event-loop turn). */
  commitSpacingMs?: number
}

type SiteRow = { key: string; name: string; color: string; greeting: string | null; allowed_origins: string; secret_enc: string; created_at: number }
type AgentRow = { id: string; email: string; name: string; role: 'admin' | 'agent'; password_hash: string; created_at: number }
type VisitorRow = { id: string; site_key: string; user_id: string | null; name: string | null; email: string | null; attributes: string; token_version: number; created_at: number }
/**
 * A conversation row as an array (statements in raw mode), in CONV_COLUMNS order: better-sqlite3 builds an
 * object row property by property, which cost about a tenth of the CPU of each message (RESULTS.md).
 */
type ConvRow = [
  id: string, site_key: string, visitor_id: string, visitor_name: string | null, status: ConversationStatus,
  last_seq: number, visitor_read_seq: number, agent_read_seq: number,
  last_text: string | null, last_sender: Sender | null, last_ts: number | null,
  holder: Holder, handoff_reason: string | null, handoff_at: number | null, labels: string, team: string | null,
  variant: string | null, rating: number | null, created_at: number, updated_at: number,
]
type MessageRow = { id: string; conv_id: string; seq: number; cid: string; sender: Sender; sender_id: string; sender_name: string | null; text: string; ts: number }

type Pending = { input: AppendInput; resolve: (r: AppendResult) => void; reject: (e: unknown) => void }

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
const newMessageId = (nowMs: number): string => `m_${nowMs.toString(36).padStart(9, '0')}${randomBase64url(9)}`
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex')

const toSite = (r: SiteRow): SiteRecord => ({
  key: r.key, name: r.name, color: r.color, greeting: r.greeting,
  allowedOrigins: JSON.parse(r.allowed_origins) as string[], secretEnc: r.secret_enc, createdAt: r.created_at,
})
const toAgent = (r: AgentRow): AgentRecord => ({
  id: r.id, email: r.email, name: r.name, role: r.role, passwordHash: r.password_hash, createdAt: r.created_at,
})
const toVisitor = (r: VisitorRow): VisitorRecord => ({
  id: r.id, site: r.site_key, userId: r.user_id, name: r.name, email: r.email,
  attributes: JSON.parse(r.attributes) as Attributes, tokenVersion: r.token_version, createdAt: r.created_at,
})
const toConv = (r: ConvRow): Conversation => ({
  id: r[0], site: r[1], visitorId: r[2], visitorName: r[3], status: r[4],
  lastSeq: r[5], visitorReadSeq: r[6], agentReadSeq: r[7],
  lastMessage: r[8] !== null && r[9] !== null && r[10] !== null ? { text: r[8], sender: r[9], ts: r[10] } : null,
  holder: r[11],
  handoff: r[12] !== null && r[13] !== null ? { reason: r[12], at: r[13] } : null,
  labels: JSON.parse(r[14]) as string[], team: r[15], variant: r[16], rating: r[17],
  createdAt: r[18], updatedAt: r[19],
})
const toMessage = (r: MessageRow): Message => ({
  id: r.id, conv: r.conv_id, seq: r.seq, cid: r.cid, sender: r.sender, senderId: r.sender_id,
  senderName: r.sender_name, text: r.text, ts: r.ts,
})

/** Characters of the last message shown in the agents' list. */
const LAST_TEXT_MAX = 200
/** The first LAST_TEXT_MAX characters (code points, as SQLite's substr counts them). */
const preview = (text: string): string => (text.length <= LAST_TEXT_MAX ? text : Array.from(text).slice(0, LAST_TEXT_MAX).join(''))
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
const CONV_SELECT = `SELECT ${CONV_COLUMNS} FROM conversations c JOIN visitors v ON v.id = c.visitor_id
  LEFT JOIN messages m ON m.conv_id = c.id AND m.seq = ${lastSeqOf('c.id')}`
const LAST_SEQ = `coalesce(${lastSeqOf('conversations.id')}, 0)`
/**
 * A message moves its conversation's `updated_at` only when the last move is older than this. Every move
 * rewrites the conversation's entry in the agents' activity index (a random B-tree page, about a quarter
 * of a message's pages); a chat's messages come seconds apart, so most of them skip it. Lists ordered by
 * `updated_at` are in order to within this step; the console orders by the last message's own time.
 */
export const ACTIVITY_STEP_MS = 10_000
/** How soon a group commit refused by a busy write lock tries again. */
const BUSY_RETRY_MS = 1
/**
 * Group commits start at least this far apart. A commit costs about as much as the appends in it (172 µs
 * per message one at a time, 96 µs four at a time, `npm run bench:store`), and at 1,000–2,000 messages/s
 * one event-loop turn gathers only one or two: waiting for the next slot makes each commit carry several.
 * When no commit ran in the last spacing (an idle server, one visitor typing) an append commits at once;
 * under load an ack waits at most this long more.
 */
export const COMMIT_SPACING_MS = 3

/** The embedded SQLite store: one module owns the database (WAL, prepared statements, group commit). */
export function createSqliteStore(options: SqliteStoreOptions): Store {
  const db = new Database(options.filename)
  db.pragma('journal_mode = WAL')
  db.pragma('foreign_keys = ON')
  db.pragma(`busy_timeout = ${SERVER_LIMITS.sqliteBusyTimeoutMs}`)
  db.pragma(`cache_size = -${SERVER_LIMITS.sqliteCacheKiB}`)
  db.pragma(`synchronous = ${options.sync ?? 'NORMAL'}`)
  db.pragma(`journal_size_limit = ${SERVER_LIMITS.sqliteWalKeepBytes}`)
  migrate(db)
  // File databases checkpoint on a worker thread so no fsync ever runs on the event loop.
  let checkpointer: Checkpointer | null = null
  if (options.filename !== ':memory:' && options.checkpointWorker !== false) {
    db.pragma('wal_autocheckpoint = 0')
    checkpointer = startCheckpointer(options.filename, () => {
      // The worker failed: fall back to SQLite's own auto-checkpoint so the WAL stays bounded.
      if (db.open) db.pragma('wal_autocheckpoint = 1000')
    }, options.checkpointEveryMs)
  }
  const batchMax = options.batchMax ?? SERVER_LIMITS.appendBatchMax
  const commitSpacingMs = options.commitSpacingMs ?? COMMIT_SPACING_MS

  const q = {
    siteByKey: db.prepare<[string], SiteRow>('SELECT * FROM sites WHERE key = ?'),
    insertSite: db.prepare('INSERT INTO sites (key, name, color, greeting, allowed_origins, secret_enc, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    setSiteOrigins: db.prepare('UPDATE sites SET allowed_origins = ? WHERE key = ?'),
    setSiteSecret: db.prepare('UPDATE sites SET secret_enc = ? WHERE key = ?'),
    agentById: db.prepare<[string], AgentRow>('SELECT * FROM agents WHERE id = ?'),
    agentByEmail: db.prepare<[string], AgentRow>('SELECT * FROM agents WHERE email = ?'),
    insertAgent: db.prepare('INSERT INTO agents (id, email, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
    setAgentPassword: db.prepare('UPDATE agents SET password_hash = ? WHERE id = ?'),
    addSiteAgent: db.prepare('INSERT OR IGNORE INTO site_agents (site_key, agent_id) VALUES (?, ?)'),
    agentSites: db.prepare<[string], { site_key: string }>('SELECT site_key FROM site_agents WHERE agent_id = ? ORDER BY site_key'),
    insertSession: db.prepare('INSERT INTO agent_sessions (token_hash, agent_id, expires_at, created_at) VALUES (?, ?, ?, ?)'),
    sessionByHash: db.prepare<[string], { agent_id: string; expires_at: number }>('SELECT agent_id, expires_at FROM agent_sessions WHERE token_hash = ?'),
    deleteSession: db.prepare('DELETE FROM agent_sessions WHERE token_hash = ?'),
    deleteExpiredSessions: db.prepare('DELETE FROM agent_sessions WHERE expires_at <= ?'),
    insertVisitor: db.prepare('INSERT INTO visitors (id, site_key, created_at) VALUES (?, ?, ?)'),
    visitorById: db.prepare<[string], VisitorRow>('SELECT * FROM visitors WHERE id = ?'),
    visitorByUser: db.prepare<[string, string], VisitorRow>('SELECT * FROM visitors WHERE site_key = ? AND user_id = ?'),
    identifyVisitor: db.prepare(
      'UPDATE visitors SET user_id = ?, name = coalesce(?, name), email = coalesce(?, email), token_version = token_version + 1 WHERE id = ?',
    ),
    updateVisitorProfile: db.prepare(
      'UPDATE visitors SET name = coalesce(?, name), email = coalesce(?, email) WHERE id = ?',
    ),
    bumpVersion: db.prepare('UPDATE visitors SET token_version = token_version + 1 WHERE id = ?'),
    setAttributes: db.prepare('UPDATE visitors SET attributes = ? WHERE id = ?'),
    convById: db.prepare<[string], ConvRow>(`${CONV_SELECT} WHERE c.id = ?`).raw(),
    openConvOf: db.prepare<[string], ConvRow>(`${CONV_SELECT} WHERE c.visitor_id = ? AND c.status = 'open'`).raw(),
    insertConvIfNone: db.prepare(
      `INSERT INTO conversations (id, site_key, visitor_id, status, holder, created_at, updated_at)
       VALUES (?, ?, ?, 'open', ?, ?, ?) ON CONFLICT DO NOTHING`,
    ),
    convsOfVisitor: db.prepare<[string], ConvRow>(`${CONV_SELECT} WHERE c.visitor_id = ? ORDER BY c.updated_at DESC, c.id`).raw(),
    convsOfSites: db.prepare<[{ sites: string; status: string | null; limit: number }], ConvRow>(
      // The page is chosen on the conversation rows alone; only its rows are joined to their visitor and last message.
      `${CONV_SELECT} WHERE c.id IN (
         SELECT id FROM conversations WHERE site_key IN (SELECT value FROM json_each(@sites)) AND (@status IS NULL OR status = @status)
         ORDER BY updated_at DESC, id LIMIT @limit)
       ORDER BY c.updated_at DESC, c.id`,
    ).raw(),
    setStatus: db.prepare('UPDATE conversations SET status = ?, updated_at = ? WHERE id = ?'),
    patchConv: db.prepare(
      `UPDATE conversations SET holder = coalesce(@holder, holder),
         handoff_reason = coalesce(@reason, handoff_reason), handoff_at = coalesce(@at, handoff_at),
         handoffs = handoffs + (@reason IS NOT NULL), labels = @labels,
         team = CASE WHEN @setTeam THEN @team ELSE team END,
         experiment = CASE WHEN @variant IS NOT NULL THEN @experiment ELSE experiment END, variant = coalesce(@variant, variant),
         rating = coalesce(@rating, rating), updated_at = @now
       WHERE id = @id`,
    ),
    botStats: db.prepare<[{ site: string; experiment: string | null }], { variant: string; conversations: number; resolved_by_bot: number; handed_off: number; ratings: number; avg_rating: number | null }>(
      `SELECT variant, count(*) AS conversations,
         sum(status = 'resolved' AND holder = 'bot' AND handoffs = 0) AS resolved_by_bot,
         sum(handoffs > 0) AS handed_off, count(rating) AS ratings, avg(rating) AS avg_rating
       FROM conversations WHERE site_key = @site AND variant IS NOT NULL AND experiment IS @experiment
       GROUP BY variant ORDER BY variant`,
    ),
    idleBot: db.prepare<[number, number], ConvRow>(
      `${CONV_SELECT} WHERE c.status = 'open' AND c.holder = 'bot' AND c.updated_at < ? ORDER BY c.updated_at LIMIT ?`,
    ).raw(),
    upsertTurn: db.prepare('INSERT OR REPLACE INTO bot_turns (msg_id, conv_id, seq, data, ts) VALUES (?, ?, ?, ?, ?)'),
    turnsOf: db.prepare<[string], { data: string }>('SELECT data FROM bot_turns WHERE conv_id = ? ORDER BY seq'),
    moveConvs: db.prepare('UPDATE conversations SET visitor_id = ? WHERE visitor_id = ?'),
    convIdsOf: db.prepare<[string], { id: string }>('SELECT id FROM conversations WHERE visitor_id = ?'),
    msgBySenderCid: db.prepare<[string, string], MessageRow>('SELECT * FROM messages WHERE sender_id = ? AND cid = ?'),
    touchConv: db.prepare('UPDATE conversations SET updated_at = ? WHERE id = ?'),
    // A resend (same sender and cid) inserts nothing: `changes` is 0 and the stored message is looked up.
    insertMessage: db.prepare(
      `INSERT INTO messages (id, conv_id, seq, cid, sender, sender_id, sender_name, text, ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (cid, sender_id) DO NOTHING`,
    ),
    msgsAfter: db.prepare<[string, number, number, number], MessageRow>(
      'SELECT * FROM messages WHERE conv_id = ? AND seq > ? AND seq < ? ORDER BY seq ASC LIMIT ?',
    ),
    msgsBefore: db.prepare<[string, number, number, number], MessageRow>(
      'SELECT * FROM messages WHERE conv_id = ? AND seq > ? AND seq < ? ORDER BY seq DESC LIMIT ?',
    ),
    setVisitorRead: db.prepare(`UPDATE conversations SET visitor_read_seq = min(max(visitor_read_seq, ?), ${LAST_SEQ}) WHERE id = ?`),
    setAgentRead: db.prepare(`UPDATE conversations SET agent_read_seq = min(max(agent_read_seq, ?), ${LAST_SEQ}) WHERE id = ?`),
    ping: db.prepare('SELECT 1'),
  }

  const openConv = (visitorId: string): Conversation | null => {
    const row = q.openConvOf.get(visitorId)
    return row ? toConv(row) : null
  }

  const findConv = (id: string): Conversation | null => {
    const row = q.convById.get(id)
    return row ? toConv(row) : null
  }
  const conv = (id: string): Conversation => {
    const found = findConv(id)
    if (!found) throw new NotFoundError(`conversation ${id}`)
    return found
  }

  /**
   * One append inside the batch transaction: one read (the conversation, whose last seq comes from the
   * messages' index) and one insert; the conversation row is written only to move `updated_at`. Expected
   * failures (unknown conversation, another holder) return before any write, so no per-item savepoint is
   * needed; anything unexpected throws and aborts the whole batch. A resend of a stored message (same sender
   * and cid, wherever it was stored) returns that message, whatever else has changed since.
   */
  const appendOne = (input: AppendInput): { ok: true; value: AppendResult } | { ok: false; error: Error } => {
    const conversation = findConv(input.conv)
    if (!conversation || (input.ifHolder !== undefined && conversation.holder !== input.ifHolder)) {
      const existing = q.msgBySenderCid.get(input.senderId, input.cid)
      if (existing) return { ok: true, value: resent(existing) }
      return { ok: false, error: conversation ? new ConflictError(`conversation is not held by ${input.ifHolder}`) : new NotFoundError(`conversation ${input.conv}`) }
    }
    const message: Message = {
      id: newMessageId(input.ts), conv: input.conv, seq: conversation.lastSeq + 1, cid: input.cid, sender: input.sender,
      senderId: input.senderId, senderName: input.senderName, text: input.text, ts: input.ts,
    }
    const { changes } = q.insertMessage.run(message.id, message.conv, message.seq, message.cid, message.sender, message.senderId, message.senderName, message.text, message.ts)
    if (changes === 0) return { ok: true, value: resent(q.msgBySenderCid.get(input.senderId, input.cid)!) }
    if (conversation.updatedAt <= input.ts - ACTIVITY_STEP_MS) {
      q.touchConv.run(input.ts, input.conv)
      conversation.updatedAt = input.ts
    }
    conversation.lastSeq = message.seq
    conversation.lastMessage = { text: preview(input.text), sender: input.sender, ts: input.ts }
    return { ok: true, value: { message, duplicate: false, conversation } }
  }
  const resent = (row: MessageRow): AppendResult => ({ message: toMessage(row), duplicate: true, conversation: conv(row.conv_id) })

  // Group commit: appends queue up and commit together once per event-loop turn; each promise resolves
  // only after its batch's COMMIT returned, so callers ack durable messages only.
  let queue: Pending[] = []
  let scheduled = false
  let txDepth = 0
  const runBatch = db.transaction((batch: Pending[]) => batch.map((p) => appendOne(p.input)))
  // The group commit never sleeps in SQLite's busy handler (which blocks the event loop 1-100 ms per try):
  // while another connection holds the write lock (the checkpointer's RESTART), it tries again 1 ms later
  // and the event loop goes on; past the usual busy timeout it fails as any write would.
  // (A prepared PRAGMA statement would not do: SQLite applies busy_timeout when the pragma is compiled.)
  const busyWait = (ms: number) => db.pragma(`busy_timeout = ${ms}`)
  let busySince: number | null = null
  let lastCommitAt = -Infinity
  const flush = (): void => {
    scheduled = false
    if (queue.length === 0 || !db.open) return
    if (txDepth > 0) return schedule() // an explicit transaction() is running: wait for it
    const batch = queue.length <= batchMax ? queue : queue.slice(0, batchMax)
    queue = queue.length <= batchMax ? [] : queue.slice(batchMax)
    let results: ReturnType<typeof runBatch>
    lastCommitAt = performance.now()
    busyWait(0)
    try {
      results = runBatch.immediate(batch)
    } catch (error) {
      const now = Date.now()
      if ((error as { code?: string }).code === 'SQLITE_BUSY' && now - (busySince ??= now) < SERVER_LIMITS.sqliteBusyTimeoutMs) {
        queue = [...batch, ...queue] // nothing was written: BEGIN IMMEDIATE is what was refused
        return schedule(BUSY_RETRY_MS)
      }
      busySince = null
      for (const p of batch) p.reject(error)
      if (queue.length > 0) schedule()
      return
    } finally {
      busyWait(SERVER_LIMITS.sqliteBusyTimeoutMs)
    }
    busySince = null
    results.forEach((r, i) => (r.ok ? batch[i]!.resolve(r.value) : batch[i]!.reject(r.error)))
    if (queue.length > 0) schedule()
  }
  const schedule = (retryMs?: number): void => {
    if (scheduled) return
    scheduled = true
    const waitMs = retryMs ?? Math.ceil(lastCommitAt + commitSpacingMs - performance.now())
    if (waitMs <= 0) setImmediate(flush)
    else setTimeout(flush, waitMs)
  }

  const mergeTx = db.transaction((fromId: string, intoId: string, user: { name?: string; email?: string }, now: number): MergeResult => {
    const from = q.visitorById.get(fromId)
    const into = q.visitorById.get(intoId)
    if (!from || !into) throw new NotFoundError('visitor')
    if (from.site_key !== into.site_key) throw new ConflictError('visitors of different sites')
    const resolved: string[] = []
    const fromOpen = q.openConvOf.get(fromId)
    if (fromOpen && q.openConvOf.get(intoId)) {
      q.setStatus.run('resolved', now, fromOpen[0])
      resolved.push(fromOpen[0])
    }
    const moved = q.convIdsOf.all(fromId).map((r) => r.id)
    q.moveConvs.run(intoId, fromId)
    q.bumpVersion.run(fromId)
    q.updateVisitorProfile.run(user.name ?? null, user.email ?? null, intoId)
    return { visitor: toVisitor(q.visitorById.get(intoId)!), moved, resolved }
  })

  const getOrCreate = db.transaction((visitorId: string, now: number, holder: Holder) => {
    const open = openConv(visitorId)
    if (open) return { conversation: open, created: false }
    const visitor = q.visitorById.get(visitorId)
    if (!visitor) throw new NotFoundError(`visitor ${visitorId}`)
    const id = newId('c')
    // ON CONFLICT DO NOTHING + re-read: the partial unique index keeps one open conversation even if another
    // connection (another process on the same file) raced us.
    const info = q.insertConvIfNone.run(id, visitor.site_key, visitorId, holder, now, now)
    return { conversation: openConv(visitorId)!, created: info.changes === 1 }
  })

  const setStatusTx = db.transaction((id: string, status: ConversationStatus, now: number) => {
    const before = conv(id)
    if (before.status === status) return before
    if (status === 'open' && q.openConvOf.get(before.visitorId)) {
      throw new ConflictError('the visitor already has an open conversation')
    }
    q.setStatus.run(status, now, id)
    return conv(id)
  })

  const patchTx = db.transaction((id: string, patch: ConversationPatch, now: number) => {
    const before = conv(id)
    const labels = [...new Set([...before.labels, ...(patch.addLabels ?? [])])]
    const changes = {
      holder: patch.holder !== undefined && patch.holder !== before.holder ? patch.holder : null,
      reason: patch.handoff?.reason ?? null,
      at: patch.handoff?.at ?? null,
      labels: JSON.stringify(labels),
      setTeam: patch.team !== undefined && patch.team !== before.team ? 1 : 0,
      team: patch.team ?? null,
      experiment: patch.experiment?.name ?? null,
      variant: patch.experiment && before.variant === null ? patch.experiment.variant : null,
      rating: patch.rating !== undefined && patch.rating !== before.rating ? patch.rating : null,
    }
    const changed = changes.holder !== null || changes.reason !== null || labels.length !== before.labels.length || changes.setTeam === 1
      || changes.variant !== null || changes.rating !== null
    if (!changed) return { conversation: before, changed }
    q.patchConv.run({ id, now, ...changes })
    return { conversation: conv(id), changed }
  })

  const readTx = db.transaction((id: string, side: Side, seq: number) => {
    const before = conv(id)
    ;(side === 'visitor' ? q.setVisitorRead : q.setAgentRead).run(seq, id)
    const after = conv(id)
    const changed = side === 'visitor' ? after.visitorReadSeq !== before.visitorReadSeq : after.agentReadSeq !== before.agentReadSeq
    return { conversation: after, changed }
  })

  const store: Store = {
    async getSite(key) {
      const row = q.siteByKey.get(key)
      return row ? toSite(row) : null
    },
    async createSite(input, now) {
      q.insertSite.run(input.key, input.name, input.color, input.greeting, JSON.stringify(input.allowedOrigins), input.secretEnc, now)
      return toSite(q.siteByKey.get(input.key)!)
    },
    async setSiteOrigins(key, origins) {
      q.setSiteOrigins.run(JSON.stringify(origins), key)
    },
    async setSiteSecret(key, secretEnc) {
      q.setSiteSecret.run(secretEnc, key)
    },
    async createAgent(input, now) {
      const id = newId('a')
      try {
        q.insertAgent.run(id, input.email, input.name, input.role, input.passwordHash, now)
      } catch (error) {
        if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new ConflictError('email taken')
        throw error
      }
      return toAgent(q.agentById.get(id)!)
    },
    async getAgent(id) {
      const row = q.agentById.get(id)
      return row ? toAgent(row) : null
    },
    async getAgentByEmail(email) {
      const row = q.agentByEmail.get(email.toLowerCase())
      return row ? toAgent(row) : null
    },
    async setAgentPassword(id, hash) {
      q.setAgentPassword.run(hash, id)
    },
    async addSiteAgent(site, agentId) {
      q.addSiteAgent.run(site, agentId)
    },
    async listAgentSites(agentId) {
      return q.agentSites.all(agentId).map((r) => r.site_key)
    },
    async createAgentSession(agentId, now) {
      const token = randomBytes(32).toString('base64url')
      q.deleteExpiredSessions.run(now)
      q.insertSession.run(sha256(token), agentId, now + SERVER_LIMITS.agentSessionTtlMs, now)
      return token
    },
    async getAgentSession(token, now) {
      const row = q.sessionByHash.get(sha256(token))
      if (!row || row.expires_at <= now) return null
      return { agentId: row.agent_id, expiresAt: row.expires_at }
    },
    async deleteAgentSession(token) {
      q.deleteSession.run(sha256(token))
    },
    async createVisitor(site, now) {
      const id = newId('v')
      q.insertVisitor.run(id, site, now)
      return toVisitor(q.visitorById.get(id)!)
    },
    async getVisitor(id) {
      const row = q.visitorById.get(id)
      return row ? toVisitor(row) : null
    },
    async getVisitorByUser(site, userId) {
      const row = q.visitorByUser.get(site, userId)
      return row ? toVisitor(row) : null
    },
    async identifyVisitor(id, user) {
      try {
        const info = q.identifyVisitor.run(user.userId, user.name ?? null, user.email ?? null, id)
        if (info.changes === 0) throw new NotFoundError(`visitor ${id}`)
      } catch (error) {
        if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new ConflictError('user already linked')
        throw error
      }
      return toVisitor(q.visitorById.get(id)!)
    },
    async mergeVisitor(fromId, intoId, user, now) {
      return mergeTx.immediate(fromId, intoId, user, now)
    },
    async bumpTokenVersion(id) {
      q.bumpVersion.run(id)
    },
    async mergeAttributes(id, attributes) {
      const row = q.visitorById.get(id)
      if (!row) throw new NotFoundError(`visitor ${id}`)
      const merged = { ...(JSON.parse(row.attributes) as Attributes), ...attributes }
      q.setAttributes.run(JSON.stringify(merged), id)
      return toVisitor(q.visitorById.get(id)!)
    },
    async getOpenConversation(visitorId) {
      return openConv(visitorId)
    },
    async getOrCreateOpenConversation(visitorId, now, holder = 'human') {
      // Fast path without a write transaction: the common case is an existing open conversation.
      const open = openConv(visitorId)
      if (open) return { conversation: open, created: false }
      return getOrCreate.immediate(visitorId, now, holder)
    },
    async updateConversation(id, patch, now) {
      return patchTx.immediate(id, patch, now)
    },
    async listIdleBotConversations(before, limit) {
      return q.idleBot.all(before, limit).map(toConv)
    },
    async botStats(site, experiment) {
      return q.botStats.all({ site, experiment }).map((r) => ({
        variant: r.variant, conversations: r.conversations, resolvedByBot: r.resolved_by_bot, handoffs: r.handed_off,
        ratings: r.ratings, avgRating: r.avg_rating,
      }))
    },
    async saveBotTurn(turn) {
      q.upsertTurn.run(turn.msgId, turn.conv, turn.seq, JSON.stringify(turn), turn.ts)
    },
    async listBotTurns(convId) {
      return q.turnsOf.all(convId).map((r) => JSON.parse(r.data) as BotTurn)
    },
    async getConversation(id) {
      return findConv(id)
    },
    async listConversations({ sites, status, limit }) {
      if (sites.length === 0) return []
      return q.convsOfSites.all({ sites: JSON.stringify(sites), status: status ?? null, limit }).map(toConv)
    },
    async listVisitorConversations(visitorId) {
      return q.convsOfVisitor.all(visitorId).map(toConv)
    },
    async setConversationStatus(id, status, now) {
      return setStatusTx.immediate(id, status, now)
    },
    append(input) {
      return new Promise<AppendResult>((resolve, reject) => {
        queue.push({ input, resolve, reject })
        schedule()
      })
    },
    async getMessageByCid(senderId, cid) {
      const row = q.msgBySenderCid.get(senderId, cid)
      return row ? toMessage(row) : null
    },
    async listMessages(convId, { after, before, limit }) {
      const lo = after ?? 0
      const hi = before ?? Number.MAX_SAFE_INTEGER
      if (after === undefined && before !== undefined) {
        const rows = q.msgsBefore.all(convId, lo, hi, limit + 1)
        return { messages: rows.slice(0, limit).reverse().map(toMessage), more: rows.length > limit }
      }
      if (after === undefined) {
        // Neither bound: the newest page; `more` means older messages exist.
        const rows = q.msgsBefore.all(convId, 0, hi, limit + 1)
        return { messages: rows.slice(0, limit).reverse().map(toMessage), more: rows.length > limit }
      }
      const rows = q.msgsAfter.all(convId, lo, hi, limit + 1)
      return { messages: rows.slice(0, limit).map(toMessage), more: rows.length > limit }
    },
    async setReadCursor(convId, side, seq, _now) {
      return readTx(convId, side, seq)
    },
    async transaction(fn) {
      flush()
      db.exec('BEGIN IMMEDIATE')
      txDepth++
      try {
        const result = await fn(store)
        txDepth--
        db.exec('COMMIT')
        return result
      } catch (error) {
        txDepth--
        if (db.inTransaction) db.exec('ROLLBACK')
        throw error
      } finally {
        if (queue.length > 0) schedule()
      }
    },
    async ping() {
      q.ping.get()
    },
    async close() {
      while (queue.length > 0 && txDepth === 0) flush()
      await checkpointer?.close()
      checkpointer = null
      if (db.open) db.close()
    },
  }
  return store
}
