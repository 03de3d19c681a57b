import { createHash, randomBytes } from 'node:crypto'
import Database from 'better-sqlite3'
import type { Attributes, BotTurn, Conversation, ConversationStatus, Holder, Side } from '../../protocol/index.ts'
import { SERVER_LIMITS, type SqliteSync } from '../config.ts'
import { BUSY_RETRY_MS, COMMIT_SPACING_MS, createAppender, isBusy, type Appender } from './appender.ts'
import { startCheckpointer, type Checkpointer } from './checkpointer.ts'
import { startWriter, type Writer } from './writer.ts'
import { migrate } from './migrations.ts'
import { CONV_SELECT, LAST_SEQ, configure, newId, noWaitForLocks, prepareLookups, toConv, toConvOrNull, toMessage, type ConnectionSettings, type ConvRow, type MessageRow } from './sql.ts'
import {
  ConflictError,
  NotFoundError,
  type AgentRecord,
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
  /** WAL frames above which the worker restarts the WAL (tests make it small). */
  walRestartFrames?: number
  /** Under load, group commits start at least this far apart (0: every event-loop turn). */
  commitSpacingMs?: number
  /**
   * Commit appends on a writer thread (a file only: ':memory:' cannot be shared). Off by default: it frees the
   * event loop of the store's work but costs more CPU in all (server/README.md, "Where appends commit").
   */
  writerThread?: boolean
}

type SiteRow = { key: string; name: string; color: string; greeting: string | null; allowed_origins: string; secret_enc: string; created_at: number }
type AgentRow = { id: string; email: string; name: string; role: 'admin' | 'agent'; password_hash: string; created_at: number }
type VisitorRow = { id: string; site_key: string; user_id: string | null; name: string | null; email: string | null; attributes: string; token_version: number; created_at: number }

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
/** The embedded SQLite store: reads and writes on one connection, appends by store/appender.ts (here or on the writer thread). */
export function createSqliteStore(options: SqliteStoreOptions): Store {
  const settings: ConnectionSettings = {
    sync: options.sync ?? 'NORMAL', cacheKiB: SERVER_LIMITS.sqliteCacheKiB, busyTimeoutMs: SERVER_LIMITS.sqliteBusyTimeoutMs,
    walKeepBytes: SERVER_LIMITS.sqliteWalKeepBytes,
  }
  const db = new Database(options.filename)
  configure(db, settings)
  migrate(db)
  noWaitForLocks(db)
  const inFile = options.filename !== ':memory:'
  const appenderOptions = {
    batchMax: options.batchMax ?? SERVER_LIMITS.appendBatchMax,
    commitSpacingMs: options.commitSpacingMs ?? COMMIT_SPACING_MS,
    busyTimeoutMs: settings.busyTimeoutMs,
  }
  let txDepth = 0
  // Appends commit on the writer thread (store/writer.ts) or, without one, on this connection.
  let local: Appender | null = null
  const localAppender = (): Appender => (local ??= createAppender(db, { ...appenderOptions, held: () => txDepth > 0 }))
  let writer: Writer | null = null
  if (inFile && options.writerThread) {
    writer = startWriter({ filename: options.filename, settings, appender: appenderOptions }, () => (writer = null))
  }
  // File databases checkpoint on a worker thread so no fsync ever runs on the event loop.
  let checkpointer: Checkpointer | null = null
  if (inFile && options.checkpointWorker !== false) {
    db.pragma('wal_autocheckpoint = 0')
    checkpointer = startCheckpointer(options.filename, () => {
      // The worker failed: fall back to SQLite's own auto-checkpoint so the WAL stays bounded.
      if (db.open) db.pragma('wal_autocheckpoint = 1000')
      writer?.autocheckpoint()
    }, { everyMs: options.checkpointEveryMs, restartFrames: options.walRestartFrames })
  }

  const q = {
    ...prepareLookups(db),
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

  const openConv = (visitorId: string): Conversation | null => toConvOrNull(q.openConvOf.get(visitorId))

  const findConv = (id: string): Conversation | null => toConvOrNull(q.convById.get(id))
  const conv = (id: string): Conversation => {
    const found = findConv(id)
    if (!found) throw new NotFoundError(`conversation ${id}`)
    return found
  }

  // Writes on this connection never sleep in SQLite's busy handler: while another connection (the writer
  // thread, the checkpointer's RESTART, an admin command) holds the write lock, a write tries again
  // BUSY_RETRY_MS later, for up to the busy timeout. Inside transaction() this connection holds the lock.
  const write = async <T>(fn: () => T): Promise<T> => {
    if (txDepth > 0) return fn()
    const since = Date.now()
    for (;;) {
      try {
        return fn()
      } catch (error) {
        if (!isBusy(error) || Date.now() - since >= settings.busyTimeoutMs) throw error
      }
      await new Promise((resolve) => setTimeout(resolve, BUSY_RETRY_MS))
    }
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
    createSite(input, now) {
      return write(() => {
        q.insertSite.run(input.key, input.name, input.color, input.greeting, JSON.stringify(input.allowedOrigins), input.secretEnc, now)
        return toSite(q.siteByKey.get(input.key)!)
      })
    },
    setSiteOrigins(key, origins) {
      return write(() => {
        q.setSiteOrigins.run(JSON.stringify(origins), key)
      })
    },
    setSiteSecret(key, secretEnc) {
      return write(() => {
        q.setSiteSecret.run(secretEnc, key)
      })
    },
    createAgent(input, now) {
      return write(() => {
        const id = newId('a')
        try {
          q.insertAgent.run(id, input.email, input.name, input.role, input.passwordHash, now)
        } catch (error) {
          if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new ConflictError('email taken')
          throw error
        }
        return toAgent(q.agentById.get(id)!)
      })
    },
    async getAgent(id) {
      const row = q.agentById.get(id)
      return row ? toAgent(row) : null
    },
    async getAgentByEmail(email) {
      const row = q.agentByEmail.get(email.toLowerCase())
      return row ? toAgent(row) : null
    },
    setAgentPassword(id, hash) {
      return write(() => {
        q.setAgentPassword.run(hash, id)
      })
    },
    addSiteAgent(site, agentId) {
      return write(() => {
        q.addSiteAgent.run(site, agentId)
      })
    },
    async listAgentSites(agentId) {
      return q.agentSites.all(agentId).map((r) => r.site_key)
    },
    createAgentSession(agentId, now) {
      return write(() => {
        const token = randomBytes(32).toString('base64url')
        q.deleteExpiredSessions.run(now)
        q.insertSession.run(sha256(token), agentId, now + SERVER_LIMITS.agentSessionTtlMs, now)
        return token
      })
    },
    async getAgentSession(token, now) {
      const row = q.sessionByHash.get(sha256(token))
      if (!row || row.expires_at <= now) return null
      return { agentId: row.agent_id, expiresAt: row.expires_at }
    },
    deleteAgentSession(token) {
      return write(() => {
        q.deleteSession.run(sha256(token))
      })
    },
    createVisitor(site, now) {
      return write(() => {
        const id = newId('v')
        q.insertVisitor.run(id, site, now)
        return toVisitor(q.visitorById.get(id)!)
      })
    },
    async getVisitor(id) {
      const row = q.visitorById.get(id)
      return row ? toVisitor(row) : null
    },
    async getVisitorByUser(site, userId) {
      const row = q.visitorByUser.get(site, userId)
      return row ? toVisitor(row) : null
    },
    identifyVisitor(id, user) {
      return write(() => {
        try {
          const info = q.identifyVisitor.run(user.userId, user.name ?? null, user.email ?? null, id)
          if (info.changes === 0) throw new NotFoundError(`visitor ${id}`)
        } catch (error) {
          if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new ConflictError('user already linked')
          throw error
        }
        return toVisitor(q.visitorById.get(id)!)
      })
    },
    mergeVisitor(fromId, intoId, user, now) {
      return write(() => mergeTx.immediate(fromId, intoId, user, now))
    },
    bumpTokenVersion(id) {
      return write(() => {
        q.bumpVersion.run(id)
      })
    },
    mergeAttributes(id, attributes) {
      return write(() => {
        const row = q.visitorById.get(id)
        if (!row) throw new NotFoundError(`visitor ${id}`)
        const merged = { ...(JSON.parse(row.attributes) as Attributes), ...attributes }
        q.setAttributes.run(JSON.stringify(merged), id)
        return toVisitor(q.visitorById.get(id)!)
      })
    },
    async getOpenConversation(visitorId) {
      return openConv(visitorId)
    },
    async getOrCreateOpenConversation(visitorId, now, holder = 'human') {
      // Fast path without a write transaction: the common case is an existing open conversation.
      const open = openConv(visitorId)
      if (open) return { conversation: open, created: false }
      return write(() => getOrCreate.immediate(visitorId, now, holder))
    },
    updateConversation(id, patch, now) {
      return write(() => patchTx.immediate(id, patch, now))
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
    saveBotTurn(turn) {
      return write(() => {
        q.upsertTurn.run(turn.msgId, turn.conv, turn.seq, JSON.stringify(turn), turn.ts)
      })
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
    setConversationStatus(id, status, now) {
      return write(() => setStatusTx.immediate(id, status, now))
    },
    append(input) {
      return (writer ?? localAppender()).append(input)
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
    setReadCursor(convId, side, seq, _now) {
      return write(() => readTx(convId, side, seq))
    },
    async transaction(fn) {
      local?.flush()
      await write(() => db.exec('BEGIN IMMEDIATE'))
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
      }
    },
    async ping() {
      q.ping.get()
    },
    async close() {
      await writer?.close()
      writer = null
      local?.drain()
      await checkpointer?.close()
      checkpointer = null
      if (db.open) db.close()
    },
  }
  return store
}
