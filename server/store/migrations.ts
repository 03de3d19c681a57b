import type Database from 'better-sqlite3'

/**
 * Numbered schema migrations: index i brings the schema from version i to i+1 (`PRAGMA user_version`).
 * Append only; never edit a released entry.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE sites (
    key TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    color TEXT NOT NULL,
    greeting TEXT,
    allowed_origins TEXT NOT NULL DEFAULT '[]',
    secret_enc TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE agents (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'agent')),
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE site_agents (
    site_key TEXT NOT NULL REFERENCES sites(key) ON DELETE CASCADE,
    agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    PRIMARY KEY (site_key, agent_id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX site_agents_agent ON site_agents(agent_id);

  CREATE TABLE agent_sessions (
    token_hash TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE visitors (
    id TEXT PRIMARY KEY,
    site_key TEXT NOT NULL REFERENCES sites(key) ON DELETE CASCADE,
    user_id TEXT,
    name TEXT,
    email TEXT,
    attributes TEXT NOT NULL DEFAULT '{}',
    token_version INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE UNIQUE INDEX visitors_site_user ON visitors(site_key, user_id) WHERE user_id IS NOT NULL;

  CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    site_key TEXT NOT NULL REFERENCES sites(key) ON DELETE CASCADE,
    visitor_id TEXT NOT NULL REFERENCES visitors(id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
    last_seq INTEGER NOT NULL DEFAULT 0,
    visitor_read_seq INTEGER NOT NULL DEFAULT 0,
    agent_read_seq INTEGER NOT NULL DEFAULT 0,
    last_text TEXT,
    last_sender TEXT,
    last_ts INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  ) STRICT;
  -- One open conversation per visitor, even when two requests race.
  CREATE UNIQUE INDEX conversations_one_open ON conversations(visitor_id) WHERE status = 'open';
  CREATE INDEX conversations_site_activity ON conversations(site_key, status, updated_at DESC);
  CREATE INDEX conversations_visitor ON conversations(visitor_id, updated_at DESC);

  CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    conv_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    cid TEXT NOT NULL,
    sender TEXT NOT NULL CHECK (sender IN ('visitor', 'agent', 'system')),
    sender_id TEXT NOT NULL,
    sender_name TEXT,
    text TEXT NOT NULL,
    ts INTEGER NOT NULL,
    UNIQUE (conv_id, seq),
    UNIQUE (sender_id, cid)
  ) STRICT;
  `,
  // 2: the bot. Who holds a conversation, why it was handed off, labels/team, A/B variant and rating;
  // `bot` as a sender (SQLite cannot change a CHECK in place, so messages is rebuilt); the bot's turns.
  `
  ALTER TABLE conversations ADD COLUMN holder TEXT NOT NULL DEFAULT 'human' CHECK (holder IN ('bot', 'human'));
  ALTER TABLE conversations ADD COLUMN handoff_reason TEXT;
  ALTER TABLE conversations ADD COLUMN handoff_at INTEGER;
  ALTER TABLE conversations ADD COLUMN handoffs INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE conversations ADD COLUMN labels TEXT NOT NULL DEFAULT '[]';
  ALTER TABLE conversations ADD COLUMN team TEXT;
  ALTER TABLE conversations ADD COLUMN experiment TEXT;
  ALTER TABLE conversations ADD COLUMN variant TEXT;
  ALTER TABLE conversations ADD COLUMN rating INTEGER CHECK (rating BETWEEN 1 AND 5);
  CREATE INDEX conversations_experiment ON conversations(site_key, experiment, variant);
  CREATE INDEX conversations_bot_idle ON conversations(updated_at) WHERE status = 'open' AND holder = 'bot';

  CREATE TABLE messages_v2 (
    id TEXT PRIMARY KEY,
    conv_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    cid TEXT NOT NULL,
    sender TEXT NOT NULL CHECK (sender IN ('visitor', 'agent', 'bot', 'system')),
    sender_id TEXT NOT NULL,
    sender_name TEXT,
    text TEXT NOT NULL,
    ts INTEGER NOT NULL,
    UNIQUE (conv_id, seq),
    UNIQUE (sender_id, cid)
  ) STRICT;
  INSERT INTO messages_v2 SELECT id, conv_id, seq, cid, sender, sender_id, sender_name, text, ts FROM messages;
  DROP TABLE messages;
  ALTER TABLE messages_v2 RENAME TO messages;

  CREATE TABLE bot_turns (
    msg_id TEXT PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    conv_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    data TEXT NOT NULL,
    ts INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX bot_turns_conv ON bot_turns(conv_id, seq);
  `,
  // 3: fewer B-tree pages written per message (bench/RESULTS.md). The per-visitor conversation index no
  // longer holds updated_at (every message moved its entry: a random page), and the cid index leads with
  // the cid, which clients start with the time (protocol/cid.ts), so new entries land at its end instead
  // of on a random page. Rebuilding messages needs foreign keys off (migrate() does that), or dropping
  // the old table would cascade into bot_turns.
  `
  DROP INDEX conversations_visitor;
  CREATE INDEX conversations_visitor ON conversations(visitor_id);

  CREATE TABLE messages_v3 (
    id TEXT PRIMARY KEY,
    conv_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    cid TEXT NOT NULL,
    sender TEXT NOT NULL CHECK (sender IN ('visitor', 'agent', 'bot', 'system')),
    sender_id TEXT NOT NULL,
    sender_name TEXT,
    text TEXT NOT NULL,
    ts INTEGER NOT NULL,
    UNIQUE (conv_id, seq),
    UNIQUE (cid, sender_id)
  ) STRICT;
  INSERT INTO messages_v3 SELECT id, conv_id, seq, cid, sender, sender_id, sender_name, text, ts FROM messages;
  DROP TABLE messages;
  ALTER TABLE messages_v3 RENAME TO messages;
  `,
  // 4: an append writes no conversation row. Its last seq and last message are read from the messages'
  // (conv_id, seq) index instead of being copied onto the row, which was a second random B-tree page
  // written per message (bench/RESULTS.md).
  `
  ALTER TABLE conversations DROP COLUMN last_seq;
  ALTER TABLE conversations DROP COLUMN last_text;
  ALTER TABLE conversations DROP COLUMN last_sender;
  ALTER TABLE conversations DROP COLUMN last_ts;
  `,
]

/** Runs the migrations the database has not seen yet, each in its own transaction. Returns the new version. */
export function migrate(db: Database.Database, migrations: readonly string[] = MIGRATIONS): number {
  const current = db.pragma('user_version', { simple: true }) as number
  if (current > migrations.length) {
    throw new Error(`database schema v${current} is newer than this server (v${migrations.length}); upgrade Kefu`)
  }
  // Foreign keys off while migrating (the documented way to rebuild a table SQLite cannot alter in place),
  // and checked before each migration commits.
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number
  db.pragma('foreign_keys = OFF')
  try {
    for (let v = current; v < migrations.length; v++) {
      const sql = migrations[v]!
      db.transaction(() => {
        db.exec(sql)
        const broken = db.pragma('foreign_key_check') as unknown[]
        if (broken.length > 0) throw new Error(`migration ${v + 1} broke ${broken.length} foreign keys: ${JSON.stringify(broken.slice(0, 3))}`)
        db.pragma(`user_version = ${v + 1}`)
      }).immediate()
    }
  } finally {
    db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`)
  }
  return migrations.length
}
