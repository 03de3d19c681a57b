import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { walRestarts, type WalRestart } from './checkpointer.ts'
import { MIGRATIONS, migrate } from './migrations.ts'
import { ACTIVITY_STEP_MS } from './sql.ts'
import { createSqliteStore } from './sqlite.ts'
import { ConflictError, NotFoundError, type Store } from './store.ts'
import { startWriter } from './writer.ts'

let dir: string
let file: string
let store: Store
/** Appends commit on the main connection (the default) or on the writer thread. */
let writerThread = false
const NOW = 1_700_000_000_000

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kefu-store-'))
  file = join(dir, 'kefu.db')
  store = createSqliteStore({ filename: file, writerThread })
  await store.createSite({ key: 's1', name: 'S1', color: '#000', greeting: null, allowedOrigins: [], secretEnc: 'x' }, NOW)
})
afterEach(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

const visitorMsg = (conv: string, senderId: string, cid: string, text = 'hi') =>
  ({ conv, sender: 'visitor' as const, senderId, senderName: null, cid, text, ts: NOW })

describe.each([true, false])('sqlite store (writer thread: %s)', (threaded) => {
  beforeAll(() => (writerThread = threaded))
  afterAll(() => (writerThread = false))

  it('runs migrations once and records user_version', () => {
    const db = new Database(file)
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length)
    expect(migrate(db)).toBe(MIGRATIONS.length) // idempotent
    expect(() => migrate(db, [])).toThrow(/newer/)
    db.close()
  })

  it('applies a later migration to an existing database', () => {
    const db = new Database(file)
    migrate(db, [...MIGRATIONS, 'CREATE TABLE extra (x INTEGER) STRICT;'])
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length + 1)
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'extra'").get()).toBeTruthy()
    db.close()
  })

  it('appends idempotently on (sender, cid)', async () => {
    const v = await store.createVisitor('s1', NOW)
    const { conversation } = await store.getOrCreateOpenConversation(v.id, NOW)
    const a = await store.append(visitorMsg(conversation.id, v.id, 'cid-1'))
    const b = await store.append(visitorMsg(conversation.id, v.id, 'cid-1', 'changed'))
    expect(a.duplicate).toBe(false)
    expect(b.duplicate).toBe(true)
    expect(b.message).toEqual(a.message)
    const page = await store.listMessages(conversation.id, { after: 0, limit: 10 })
    expect(page.messages).toHaveLength(1)
    expect((await store.getConversation(conversation.id))!.lastSeq).toBe(1)
  })

  it('keeps seq gapless under concurrent appends (including duplicates in the same batch)', async () => {
    const v = await store.createVisitor('s1', NOW)
    const { conversation } = await store.getOrCreateOpenConversation(v.id, NOW)
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) => store.append(visitorMsg(conversation.id, v.id, `c${i % 250}`))),
    )
    expect(results.filter((r) => r.duplicate)).toHaveLength(50)
    const seqs = results.filter((r) => !r.duplicate).map((r) => r.message.seq).sort((x, y) => x - y)
    expect(seqs).toEqual(Array.from({ length: 250 }, (_, i) => i + 1))
    const all = await store.listMessages(conversation.id, { after: 0, limit: 200 })
    expect(all.more).toBe(true)
    expect(all.messages.map((m) => m.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1))
  })

  it('rejects an append to an unknown conversation without failing the rest of the batch', async () => {
    const v = await store.createVisitor('s1', NOW)
    const { conversation } = await store.getOrCreateOpenConversation(v.id, NOW)
    const [good, bad] = await Promise.allSettled([
      store.append(visitorMsg(conversation.id, v.id, 'a')),
      store.append(visitorMsg('c_nope', v.id, 'b')),
    ])
    expect(good.status).toBe('fulfilled')
    expect(bad.status === 'rejected' && bad.reason).toBeInstanceOf(NotFoundError)
  })

  it("appends to the sender's open conversation, and only where the conditions hold (nothing written otherwise)", async () => {
    const v = await store.createVisitor('s1', NOW)
    await expect(store.append({ ...visitorMsg('', v.id, 'early'), conv: null })).rejects.toBeInstanceOf(NotFoundError)
    const { conversation } = await store.getOrCreateOpenConversation(v.id, NOW)
    const first = await store.append({ ...visitorMsg('', v.id, 'a'), conv: null })
    expect(first.message).toMatchObject({ conv: conversation.id, seq: 1 })
    const reply = { conv: conversation.id, sender: 'agent' as const, senderId: 'a_1', senderName: 'Ann', text: 'hello', ts: NOW }
    await expect(store.append({ ...reply, cid: 'r1', ifSiteIn: ['s2'] })).rejects.toBeInstanceOf(ConflictError)
    await store.updateConversation(conversation.id, { holder: 'bot' }, NOW)
    await expect(store.append({ ...reply, cid: 'r2', ifSiteIn: ['s1'], ifHolderNot: 'bot' })).rejects.toBeInstanceOf(ConflictError)
    await store.updateConversation(conversation.id, { holder: 'human' }, NOW)
    expect((await store.append({ ...reply, cid: 'r3', ifSiteIn: ['s1'], ifHolderNot: 'bot' })).message.seq).toBe(2)
    expect((await store.listMessages(conversation.id, { limit: 10 })).messages.map((m) => m.cid)).toEqual(['a', 'r3'])
  })

  it('group commit resolves only after the batch is committed (visible to another connection)', async () => {
    const v = await store.createVisitor('s1', NOW)
    const { conversation } = await store.getOrCreateOpenConversation(v.id, NOW)
    const other = new Database(file, { readonly: true })
    const count = () => (other.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n
    const pending = Promise.all([1, 2, 3].map((i) => store.append(visitorMsg(conversation.id, v.id, `g${i}`))))
    expect(count()).toBe(0) // queued, not yet committed
    await pending
    expect(count()).toBe(3)
    other.close()
  })

  it('while another connection holds the write lock, writes wait without blocking the event loop, then commit', async () => {
    const v = await store.createVisitor('s1', NOW)
    const { conversation } = await store.getOrCreateOpenConversation(v.id, NOW)
    const other = new Database(file)
    other.prepare('BEGIN IMMEDIATE').run()
    let stored = false
    const pending = store.append(visitorMsg(conversation.id, v.id, 'locked')).then((r) => ((stored = true), r))
    // Writes on the main connection too (they would otherwise sleep in SQLite's busy handler).
    const visitor = store.createVisitor('s1', NOW).then((r) => ((stored = true), r))
    // The loop keeps turning: 20 timers of 5 ms fire in about 100 ms, not after a busy wait.
    const t0 = Date.now()
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 5))
    expect(Date.now() - t0).toBeLessThan(1_000)
    expect(stored).toBe(false)
    other.prepare('COMMIT').run()
    expect((await pending).message.seq).toBe(1)
    expect((await visitor).site).toBe('s1')
    other.close()
  })

  it('gives one open conversation per visitor when get-or-create races (two connections)', async () => {
    const v = await store.createVisitor('s1', NOW)
    const second = createSqliteStore({ filename: file })
    const results = await Promise.all([
      ...Array.from({ length: 10 }, () => store.getOrCreateOpenConversation(v.id, NOW)),
      ...Array.from({ length: 10 }, () => second.getOrCreateOpenConversation(v.id, NOW)),
    ])
    expect(new Set(results.map((r) => r.conversation.id)).size).toBe(1)
    expect(results.filter((r) => r.created)).toHaveLength(1)
    await second.close()
    // The partial unique index itself refuses a second open conversation.
    const db = new Database(file)
    expect(() =>
      db.prepare("INSERT INTO conversations (id, site_key, visitor_id, status, created_at, updated_at) VALUES ('c_x', 's1', ?, 'open', 0, 0)").run(v.id),
    ).toThrow(/UNIQUE/)
    db.close()
  })

  it('moves read cursors forward only, clamped to lastSeq', async () => {
    const v = await store.createVisitor('s1', NOW)
    const { conversation } = await store.getOrCreateOpenConversation(v.id, NOW)
    for (const cid of ['a', 'b', 'c']) await store.append(visitorMsg(conversation.id, v.id, cid))
    expect((await store.setReadCursor(conversation.id, 'agent', 2, NOW)).conversation.agentReadSeq).toBe(2)
    const back = await store.setReadCursor(conversation.id, 'agent', 1, NOW)
    expect(back).toMatchObject({ changed: false, conversation: { agentReadSeq: 2 } })
    expect((await store.setReadCursor(conversation.id, 'agent', 99, NOW)).conversation.agentReadSeq).toBe(3)
    expect((await store.getConversation(conversation.id))!.visitorReadSeq).toBe(0)
  })

  it('pages messages before/after', async () => {
    const v = await store.createVisitor('s1', NOW)
    const { conversation } = await store.getOrCreateOpenConversation(v.id, NOW)
    for (let i = 0; i < 10; i++) await store.append(visitorMsg(conversation.id, v.id, `p${i}`))
    const latest = await store.listMessages(conversation.id, { limit: 3 })
    expect(latest.messages.map((m) => m.seq)).toEqual([8, 9, 10])
    expect(latest.more).toBe(true)
    const before = await store.listMessages(conversation.id, { before: 4, limit: 5 })
    expect(before).toMatchObject({ more: false })
    expect(before.messages.map((m) => m.seq)).toEqual([1, 2, 3])
    const after = await store.listMessages(conversation.id, { after: 7, limit: 5 })
    expect(after.messages.map((m) => m.seq)).toEqual([8, 9, 10])
    expect(after.more).toBe(false)
  })

  it('refuses to reopen a second open conversation', async () => {
    const v = await store.createVisitor('s1', NOW)
    const first = (await store.getOrCreateOpenConversation(v.id, NOW)).conversation
    await store.setConversationStatus(first.id, 'resolved', NOW)
    const second = (await store.getOrCreateOpenConversation(v.id, NOW)).conversation
    expect(second.id).not.toBe(first.id)
    await expect(store.setConversationStatus(first.id, 'open', NOW)).rejects.toBeInstanceOf(ConflictError)
  })

  it('merges a visitor into another, resolving its open conversation', async () => {
    const a = await store.createVisitor('s1', NOW)
    const b = await store.identifyVisitor((await store.createVisitor('s1', NOW)).id, { userId: 'u1', name: 'Ann' })
    const ca = (await store.getOrCreateOpenConversation(a.id, NOW)).conversation
    const cb = (await store.getOrCreateOpenConversation(b.id, NOW)).conversation
    const merged = await store.mergeVisitor(a.id, b.id, { email: 'ann@example.com' }, NOW)
    expect(merged.moved).toEqual([ca.id])
    expect(merged.resolved).toEqual([ca.id])
    expect(merged.visitor).toMatchObject({ id: b.id, name: 'Ann', email: 'ann@example.com', tokenVersion: b.tokenVersion })
    const convs = await store.listVisitorConversations(b.id)
    expect(convs.map((c) => c.id).sort()).toEqual([ca.id, cb.id].sort())
    expect((await store.getVisitor(a.id))!.tokenVersion).toBe(a.tokenVersion + 1)
  })

  it('stores agent sessions hashed, with expiry', async () => {
    const agent = await store.createAgent({ email: 'x@y.z', name: 'X', role: 'agent', passwordHash: 'h' }, NOW)
    const token = await store.createAgentSession(agent.id, NOW)
    expect(token.length).toBeGreaterThanOrEqual(43)
    expect((await store.getAgentSession(token, NOW))!.agentId).toBe(agent.id)
    expect(await store.getAgentSession(token, NOW + 31 * 24 * 3600_000)).toBeNull()
    const db = new Database(file, { readonly: true })
    expect(db.prepare('SELECT token_hash FROM agent_sessions').get()).not.toEqual({ token_hash: token })
    db.close()
    await store.deleteAgentSession(token)
    expect(await store.getAgentSession(token, NOW)).toBeNull()
  })

  it('runs transaction() atomically and rolls back on throw', async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.createVisitor('s1', NOW)
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    const db = new Database(file, { readonly: true })
    expect((db.prepare('SELECT count(*) AS n FROM visitors').get() as { n: number }).n).toBe(0)
    db.close()
  })

  it('checkpoints the WAL on a worker thread (the main connection never does)', async () => {
    // Checkpoints once a second here, so the appends below are all in the WAL before the first one.
    await store.close()
    store = createSqliteStore({ filename: file, checkpointEveryMs: 1_000 })
    const v = await store.createVisitor('s1', NOW)
    const { conversation } = await store.getOrCreateOpenConversation(v.id, NOW)
    await new Promise((r) => setTimeout(r, 1_200)) // let the worker checkpoint the setup
    const before = statSync(file).size
    await Promise.all(Array.from({ length: 2000 }, (_, i) => store.append(visitorMsg(conversation.id, v.id, `w${i}`, 'x'.repeat(200)))))
    expect(statSync(file).size).toBe(before) // committed to the WAL only
    await new Promise((r) => setTimeout(r, 1_500))
    expect(statSync(file).size).toBeGreaterThan(before + 200_000) // copied into the main file by the worker
  })

  it('restarts the WAL while appends never stop, so it stays small, and loses nothing', async () => {
    // A restart past 100 frames (~400 KB), checked every 20 ms; without restarts the appends below grow the WAL to 7–16 MB.
    await store.close()
    store = createSqliteStore({ filename: file, checkpointEveryMs: 20, walRestartFrames: 100, writerThread })
    const restarts: WalRestart[] = []
    const onRestart = (m: unknown) => restarts.push(m as WalRestart)
    walRestarts.subscribe(onRestart)
    const started = Date.now()
    const v = await store.createVisitor('s1', NOW)
    const { conversation } = await store.getOrCreateOpenConversation(v.id, NOW)
    const batches = 400
    for (let i = 0; i < batches; i++) {
      await Promise.all(Array.from({ length: 5 }, (_, j) => store.append(visitorMsg(conversation.id, v.id, `r${i}.${j}`, 'x'.repeat(1_000)))))
    }
    // The WAL file keeps its largest size (it is not truncated below 1 GB), so this is the most it ever held.
    expect(statSync(`${file}-wal`).size).toBeLessThan(2_000_000)
    // Each restart is published for the benchmark's per-second report, with when it began and how long it took.
    walRestarts.unsubscribe(onRestart)
    expect(restarts.filter((r) => r.done).length).toBeGreaterThan(0)
    expect(restarts.every((r) => r.at >= started - 1 && r.at <= Date.now() && r.ms >= 0 && r.tries >= 1)).toBe(true)
    const db = new Database(file, { readonly: true })
    expect(db.prepare('SELECT count(*) AS n, max(seq) AS last FROM messages').get()).toEqual({ n: batches * 5, last: batches * 5 })
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
    db.close()
  })

  it('works in :memory:', async () => {
    const mem = createSqliteStore({ filename: ':memory:' })
    await mem.createSite({ key: 'm', name: 'M', color: '#fff', greeting: null, allowedOrigins: ['http://localhost:*'], secretEnc: 'e' }, NOW)
    expect((await mem.getSite('m'))!.allowedOrigins).toEqual(['http://localhost:*'])
    const v = await mem.createVisitor('m', NOW)
    const { conversation } = await mem.getOrCreateOpenConversation(v.id, NOW)
    expect((await mem.append(visitorMsg(conversation.id, v.id, 'a'))).message.seq).toBe(1)
    expect((await mem.append(visitorMsg(conversation.id, v.id, 'a'))).duplicate).toBe(true)
    await mem.close()
  })
})

describe('writer thread', () => {
  it('commits appends while the event loop is busy', async () => {
    await store.close()
    store = createSqliteStore({ filename: file, commitSpacingMs: 100, writerThread: true })
    const v = await store.createVisitor('s1', NOW)
    const { conversation } = await store.getOrCreateOpenConversation(v.id, NOW)
    await store.append(visitorMsg(conversation.id, v.id, 'a')) // commits at once: no commit in the last 100 ms
    const second = store.append(visitorMsg(conversation.id, v.id, 'b')) // waits for its slot, 100 ms later
    await new Promise(setImmediate) // handed over to the thread
    const until = Date.now() + 400
    while (Date.now() < until); // this thread busy
    const db = new Database(file, { readonly: true })
    expect(db.prepare('SELECT count(*) AS n FROM messages').get()).toEqual({ n: 2 })
    db.close()
    expect((await second).message.seq).toBe(2)
  })

  it('rejects the appends it was given and reports when the thread fails', async () => {
    // A folder is no database: the thread fails as it starts.
    let reported: Error | null = null
    const writer = startWriter(
      { filename: dir, settings: { sync: 'NORMAL', cacheKiB: 1024, busyTimeoutMs: 100, walKeepBytes: 0 }, appender: { batchMax: 10, commitSpacingMs: 0, busyTimeoutMs: 100 } },
      (error) => (reported = error),
    )
    await expect(writer.append(visitorMsg('c_1', 'v_1', 'a'))).rejects.toMatchObject({ message: /writer thread failed/, code: 'SQLITE_CANTOPEN' })
    expect(reported).toMatchObject({ code: 'SQLITE_CANTOPEN' })
    await writer.close()
  })
})

describe('listConversations', () => {
  it('lists by sites and status, newest activity first', async () => {
    await store.createSite({ key: 's2', name: 'S2', color: '#000', greeting: null, allowedOrigins: [], secretEnc: 'x' }, NOW)
    const ids: string[] = []
    for (const [i, site] of ['s1', 's2', 's1'].entries()) {
      const v = await store.createVisitor(site, NOW)
      const c = (await store.getOrCreateOpenConversation(v.id, NOW + i)).conversation
      await store.append({ ...visitorMsg(c.id, v.id, `x${i}`), ts: NOW + (10 - i) * ACTIVITY_STEP_MS })
      ids.push(c.id)
    }
    await store.setConversationStatus(ids[2]!, 'resolved', NOW + 100 * ACTIVITY_STEP_MS)
    expect((await store.listConversations({ sites: ['s1'], limit: 10 })).map((c) => c.id)).toEqual([ids[2], ids[0]])
    expect((await store.listConversations({ sites: ['s1', 's2'], status: 'open', limit: 10 })).map((c) => c.id)).toEqual([ids[0], ids[1]])
    expect(await store.listConversations({ sites: [], limit: 10 })).toEqual([])
  })

  it('moves updated_at on a message only once per ACTIVITY_STEP_MS; the last message is always exact', async () => {
    const v = await store.createVisitor('s1', NOW)
    const c = (await store.getOrCreateOpenConversation(v.id, NOW)).conversation
    const at = async (ts: number) => (await store.append({ ...visitorMsg(c.id, v.id, `t${ts}`), ts })).conversation
    expect(await at(NOW + 1_000)).toMatchObject({ updatedAt: NOW, lastSeq: 1 })
    expect(await at(NOW + ACTIVITY_STEP_MS)).toMatchObject({ updatedAt: NOW + ACTIVITY_STEP_MS, lastSeq: 2 })
    expect(await at(NOW + ACTIVITY_STEP_MS + 5)).toMatchObject({ updatedAt: NOW + ACTIVITY_STEP_MS, lastSeq: 3 })
    expect((await store.getConversation(c.id))!.lastMessage).toMatchObject({ ts: NOW + ACTIVITY_STEP_MS + 5 })
    // A status change is always exact.
    expect((await store.setConversationStatus(c.id, 'resolved', NOW + ACTIVITY_STEP_MS + 6)).updatedAt).toBe(NOW + ACTIVITY_STEP_MS + 6)
  })

  it("shows a conversation's last message as its first 200 characters, the same in a read and in the list", async () => {
    const v = await store.createVisitor('s1', NOW)
    const c = (await store.getOrCreateOpenConversation(v.id, NOW)).conversation
    // 199 CJK characters, then emoji (two UTF-16 units each): the preview ends on a whole emoji.
    const text = `${'订单'.repeat(99)}号${'📦'.repeat(5)}`
    const appended = await store.append(visitorMsg(c.id, v.id, 'long', text))
    const read = await store.getConversation(c.id)
    expect(read).toMatchObject({ ...appended.conversation, lastMessage: { text: `${'订单'.repeat(99)}号📦`, sender: 'visitor', ts: NOW } })
    expect((await store.listConversations({ sites: ['s1'], limit: 1 }))[0]).toEqual(read)
  })
})

describe('bot state', () => {
  it('migrates a v1 database with messages into the bot schema, keeping every message', async () => {
    const old = join(dir, 'old.db')
    const db = new Database(old)
    migrate(db, MIGRATIONS.slice(0, 1))
    db.exec(`INSERT INTO sites VALUES ('s', 'S', '#000', NULL, '[]', 'x', 1);
      INSERT INTO visitors (id, site_key, created_at) VALUES ('v', 's', 1);
      INSERT INTO conversations (id, site_key, visitor_id, status, last_seq, created_at, updated_at) VALUES ('c', 's', 'v', 'open', 1, 1, 1);
      INSERT INTO messages VALUES ('m', 'c', 1, 'cid', 'visitor', 'v', NULL, '你好', 1);`)
    db.close()
    const upgraded = createSqliteStore({ filename: old })
    expect((await upgraded.listMessages('c', { limit: 10 })).messages.map((m) => m.text)).toEqual(['你好'])
    const conv = (await upgraded.getConversation('c'))!
    expect(conv).toMatchObject({ holder: 'human', handoff: null, labels: [], team: null, variant: null, rating: null })
    // `bot` is now an allowed sender.
    await upgraded.append({ conv: 'c', sender: 'bot', senderId: 'bot:s', senderName: 'Assistant', cid: 'b1', text: '您好', ts: 2 })
    await upgraded.close()
  })

  it('migrates a v2 database into v3 (messages rebuilt) keeping messages, bot turns and their links', async () => {
    const old = join(dir, 'v2.db')
    const db = new Database(old)
    db.pragma('foreign_keys = ON')
    migrate(db, MIGRATIONS.slice(0, 2))
    db.exec(`INSERT INTO sites VALUES ('s', 'S', '#000', NULL, '[]', 'x', 1);
      INSERT INTO visitors (id, site_key, created_at) VALUES ('v', 's', 1);
      INSERT INTO conversations (id, site_key, visitor_id, status, last_seq, created_at, updated_at) VALUES ('c', 's', 'v', 'open', 2, 1, 1);
      INSERT INTO messages VALUES ('m1', 'c', 1, 'cid1', 'visitor', 'v', NULL, '在吗', 1), ('m2', 'c', 2, 'cid2', 'bot', 'bot:s', 'Assistant', '您好', 2);
      INSERT INTO bot_turns VALUES ('m1', 'c', 1, '{"intent":"greeting"}', 2);`)
    db.close()
    const upgraded = createSqliteStore({ filename: old })
    expect((await upgraded.listMessages('c', { limit: 10 })).messages.map((m) => m.text)).toEqual(['在吗', '您好'])
    // Dropping the old messages table did not cascade into the bot's turns.
    expect(await upgraded.listBotTurns('c')).toEqual([{ intent: 'greeting' }])
    expect((await upgraded.getMessageByCid('v', 'cid2'))).toBeNull()
    expect((await upgraded.getMessageByCid('bot:s', 'cid2'))?.id).toBe('m2')
    // The rebuilt table still refuses a message in no conversation and a second use of a cid.
    await expect(upgraded.append({ conv: 'nope', sender: 'visitor', senderId: 'v', senderName: null, cid: 'x', text: 'x', ts: 3 })).rejects.toThrow(/conversation/)
    const again = await upgraded.append({ conv: 'c', sender: 'visitor', senderId: 'v', senderName: null, cid: 'cid1', text: '在吗', ts: 3 })
    expect(again).toMatchObject({ duplicate: true, message: { id: 'm1' } })
    await upgraded.close()
    const check = new Database(old)
    expect(check.pragma('foreign_key_check')).toEqual([])
    check.close()
  })

  it('migrates a v3 database into v4: the last seq and message come from the messages, and appends go on from them', async () => {
    const old = join(dir, 'v3.db')
    const db = new Database(old)
    migrate(db, MIGRATIONS.slice(0, 3))
    db.exec(`INSERT INTO sites VALUES ('s', 'S', '#000', NULL, '[]', 'x', 1);
      INSERT INTO visitors (id, site_key, name, created_at) VALUES ('v', 's', '王芳', 1);
      INSERT INTO conversations (id, site_key, visitor_id, status, last_seq, visitor_read_seq, last_text, last_sender, last_ts, created_at, updated_at)
        VALUES ('c', 's', 'v', 'open', 2, 1, '好的', 'agent', 5, 1, 5);
      INSERT INTO messages VALUES ('m1', 'c', 1, 'cid1', 'visitor', 'v', '王芳', '在吗', 1), ('m2', 'c', 2, 'cid2', 'agent', 'a', 'Li', '好的', 5);`)
    db.close()
    const upgraded = createSqliteStore({ filename: old })
    expect(await upgraded.getConversation('c')).toMatchObject({ visitorName: '王芳', lastSeq: 2, visitorReadSeq: 1, lastMessage: { text: '好的', sender: 'agent', ts: 5 } })
    const next = await upgraded.append({ conv: 'c', sender: 'visitor', senderId: 'v', senderName: '王芳', cid: 'cid3', text: '谢谢', ts: 6 })
    expect(next).toMatchObject({ message: { seq: 3 }, conversation: { lastSeq: 3 } })
    expect(await upgraded.getConversation('c')).toMatchObject({ lastSeq: 3, lastMessage: { text: '谢谢' } })
    // Read cursors are still clamped to the last seq.
    expect((await upgraded.setReadCursor('c', 'visitor', 99, 7)).conversation.visitorReadSeq).toBe(3)
    await upgraded.close()
    const check = new Database(old)
    expect((check.pragma('table_info(conversations)') as { name: string }[]).map((c) => c.name)).not.toContain('last_seq')
    check.close()
  })

  it('records hand-offs, labels, team, variant (once) and rating, and says when nothing changed', async () => {
    const v = await store.createVisitor('s1', NOW)
    const { conversation } = await store.getOrCreateOpenConversation(v.id, NOW, 'bot')
    expect(conversation.holder).toBe('bot')
    let r = await store.updateConversation(conversation.id, { experiment: { name: 'exp', variant: 'b' }, addLabels: ['vip'] }, NOW + 1)
    expect(r).toMatchObject({ changed: true, conversation: { variant: 'b', labels: ['vip'] } })
    r = await store.updateConversation(conversation.id, { experiment: { name: 'exp', variant: 'a' }, addLabels: ['vip'] }, NOW + 2)
    expect(r.changed).toBe(false) // the assignment is fixed on the first turn; labels are a set
    r = await store.updateConversation(conversation.id, { holder: 'human', handoff: { reason: 'low_confidence', at: NOW + 3 }, team: 'returns' }, NOW + 3)
    expect(r.conversation).toMatchObject({ holder: 'human', handoff: { reason: 'low_confidence', at: NOW + 3 }, team: 'returns', variant: 'b' })
    r = await store.updateConversation(conversation.id, { rating: 4 }, NOW + 4)
    expect(r.conversation.rating).toBe(4)
    await expect(store.updateConversation(conversation.id, { rating: 9 }, NOW)).rejects.toThrow(/CHECK/)
  })

  it('refuses a bot append once a person holds the conversation', async () => {
    const v = await store.createVisitor('s1', NOW)
    const { conversation } = await store.getOrCreateOpenConversation(v.id, NOW, 'bot')
    const bot = { conv: conversation.id, sender: 'bot' as const, senderId: 'bot:s1', senderName: 'Assistant', text: 'hi', ts: NOW, ifHolder: 'bot' as const }
    await store.append({ ...bot, cid: 'b1' })
    await store.updateConversation(conversation.id, { holder: 'human' }, NOW)
    await expect(store.append({ ...bot, cid: 'b2' })).rejects.toBeInstanceOf(ConflictError)
    expect((await store.getConversation(conversation.id))!.lastSeq).toBe(1)
  })

  it('counts per variant: conversations, resolved by the bot, hand-offs, ratings', async () => {
    const conv = async (variant: string, end: { handoff?: boolean; resolve?: boolean; rating?: number }) => {
      const v = await store.createVisitor('s1', NOW)
      const { conversation } = await store.getOrCreateOpenConversation(v.id, NOW, 'bot')
      await store.updateConversation(conversation.id, { experiment: { name: 'exp', variant } }, NOW)
      if (end.handoff) await store.updateConversation(conversation.id, { holder: 'human', handoff: { reason: 'rule', at: NOW } }, NOW)
      if (end.rating) await store.updateConversation(conversation.id, { rating: end.rating }, NOW)
      if (end.resolve) await store.setConversationStatus(conversation.id, 'resolved', NOW)
    }
    await conv('a', { resolve: true, rating: 5 })
    await conv('a', { resolve: true })
    await conv('a', { handoff: true, resolve: true, rating: 2 })
    await conv('b', { handoff: true })
    await conv('b', {})
    expect(await store.botStats('s1', 'exp')).toEqual([
      { variant: 'a', conversations: 3, resolvedByBot: 2, handoffs: 1, ratings: 2, avgRating: 3.5 },
      { variant: 'b', conversations: 2, resolvedByBot: 0, handoffs: 1, ratings: 0, avgRating: null },
    ])
    expect(await store.botStats('s1', null)).toEqual([])
  })

  it('stores bot turns per message, oldest first', async () => {
    const v = await store.createVisitor('s1', NOW)
    const { conversation } = await store.getOrCreateOpenConversation(v.id, NOW)
    const m1 = (await store.append(visitorMsg(conversation.id, v.id, 'a'))).message
    const m2 = (await store.append(visitorMsg(conversation.id, v.id, 'b'))).message
    const turn = (m: typeof m1) => ({
      conv: conversation.id, msgId: m.id, seq: m.seq, intent: { intent: 'greeting', confidence: 0.9 }, ranking: [], entities: [],
      sentiment: null, extra: {}, version: 'abc', variant: 'default', rules: [], actions: ['reply'], handoff: null, error: null, ts: NOW,
    })
    await store.saveBotTurn(turn(m2))
    await store.saveBotTurn(turn(m1))
    expect((await store.listBotTurns(conversation.id)).map((t) => t.seq)).toEqual([1, 2])
  })
})

describe('idle bot conversations', () => {
  it('lists open conversations the bot holds with no activity since a time, oldest first', async () => {
    const mk = async (holder: 'bot' | 'human', at: number) => {
      const v = await store.createVisitor('s1', at)
      return (await store.getOrCreateOpenConversation(v.id, at, holder)).conversation.id
    }
    const old = await mk('bot', NOW)
    const older = await mk('bot', NOW - 10)
    await mk('human', NOW - 20)
    await mk('bot', NOW + 100)
    expect((await store.listIdleBotConversations(NOW + 50, 10)).map((c) => c.id)).toEqual([older, old])
  })
})
