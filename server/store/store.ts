import type { Attributes, BotTurn, Conversation, ConversationStatus, Holder, Message, Sender, Side } from '../../protocol/index.ts'

/** A site as stored. `secretEnc` is the site secret encrypted at rest (see auth/secret-box.ts). */
export type SiteRecord = {
  key: string
  name: string
  color: string
  greeting: string | null
  /** Origins allowed to embed /chat and open visitor sockets; an entry may use `*` as the port. */
  allowedOrigins: string[]
  secretEnc: string
  createdAt: number
}

export type AgentRecord = {
  id: string
  email: string
  name: string
  role: 'admin' | 'agent'
  passwordHash: string
  createdAt: number
}

export type VisitorRecord = {
  id: string
  site: string
  userId: string | null
  name: string | null
  email: string | null
  attributes: Attributes
  /** Bumped on identify; visitor tokens carry it as `ver` and stop working when it moves. */
  tokenVersion: number
  createdAt: number
}

export type AppendInput = {
  /** The conversation, or null for the open conversation of the sender (a visitor): NotFoundError when there is none. */
  conv: string | null
  sender: Sender
  senderId: string
  senderName: string | null
  cid: string
  text: string
  ts: number
  /** Store the message only while the conversation has this holder (the bot never answers once a human holds it); else ConflictError. */
  ifHolder?: Holder
  /**
   * Store the message only if the conversation is of one of these sites and not held by `ifHolderNot`; else
   * ConflictError. Checked in the commit, so a caller need not read the conversation first (an agent's reply).
   */
  ifSiteIn?: readonly string[]
  ifHolderNot?: Holder
}

/** What the bot (or an agent) changes on a conversation besides status. Labels are added, never removed here. */
export type ConversationPatch = {
  holder?: Holder
  /** Records a hand-off: reason and time, and counts it. */
  handoff?: { reason: string; at: number }
  addLabels?: string[]
  team?: string | null
  /** The A/B assignment, set once on the bot's first turn. */
  experiment?: { name: string | null; variant: string }
  rating?: number
}

/** Per variant of a site's bot (one experiment, or all conversations when `experiment` is null). */
export type VariantStats = { variant: string; conversations: number; resolvedByBot: number; handoffs: number; ratings: number; avgRating: number | null }

/**
 * What an append reads of its conversation: enough to route the message (visitor, site) and to check the
 * append's conditions, with the seq of its last message. Not the whole Conversation: the visitor's name
 * and the last message's preview cost the append two more lookups per message (bench/RESULTS.md, item 24).
 */
export type ConversationRef = Pick<Conversation, 'id' | 'site' | 'visitorId' | 'status' | 'holder' | 'lastSeq' | 'updatedAt'>

/** `duplicate`: the (sender, cid) pair was stored before; `message` is the original. */
export type AppendResult = { message: Message; duplicate: boolean; conversation: ConversationRef }

export type MergeResult = {
  visitor: VisitorRecord
  /** Conversations moved from the merged-away visitor. */
  moved: string[]
  /** Open conversations of the merged-away visitor resolved so that only one stays open. */
  resolved: string[]
}

/** Raised for violations the caller should turn into a 409 (for example reopening a second open conversation). */
export class ConflictError extends Error {
  override name = 'ConflictError'
}
/** Raised when a referenced row does not exist. */
export class NotFoundError extends Error {
  override name = 'NotFoundError'
}

/**
 * Everything the server persists. Async only, with no engine types, so a PostgreSQL implementation can
 * be added later without touching callers.
 */
export interface Store {
  getSite(key: string): Promise<SiteRecord | null>
  createSite(input: Omit<SiteRecord, 'createdAt'>, now: number): Promise<SiteRecord>
  setSiteOrigins(key: string, origins: string[]): Promise<void>
  /** Replaces the (encrypted) site secret: identify tokens signed with the old one stop verifying. */
  setSiteSecret(key: string, secretEnc: string): Promise<void>

  createAgent(input: Omit<AgentRecord, 'id' | 'createdAt'>, now: number): Promise<AgentRecord>
  getAgent(id: string): Promise<AgentRecord | null>
  getAgentByEmail(email: string): Promise<AgentRecord | null>
  setAgentPassword(id: string, passwordHash: string): Promise<void>
  addSiteAgent(site: string, agentId: string): Promise<void>
  listAgentSites(agentId: string): Promise<string[]>

  /** Returns the clear token once; only its sha256 is stored. */
  createAgentSession(agentId: string, now: number): Promise<string>
  getAgentSession(token: string, now: number): Promise<{ agentId: string; expiresAt: number } | null>
  deleteAgentSession(token: string): Promise<void>

  createVisitor(site: string, now: number): Promise<VisitorRecord>
  getVisitor(id: string): Promise<VisitorRecord | null>
  getVisitorByUser(site: string, userId: string): Promise<VisitorRecord | null>
  /** Links the visitor to a site user, sets name/email when given, bumps token_version. */
  identifyVisitor(id: string, user: { userId: string; name?: string; email?: string }): Promise<VisitorRecord>
  /**
   * Moves `fromId`'s conversations to `intoId` (a visitor of the same site already linked to the user).
   * If both have an open conversation, `fromId`'s is resolved so one open conversation per visitor holds.
   * Bumps `fromId`'s token version (its tokens stop working); `intoId`'s other devices stay signed in.
   */
  mergeVisitor(fromId: string, intoId: string, user: { name?: string; email?: string }, now: number): Promise<MergeResult>
  /** Bumps token_version so every token minted for this visitor so far stops working. */
  bumpTokenVersion(id: string): Promise<void>
  mergeAttributes(id: string, attributes: Attributes): Promise<VisitorRecord>

  /** The visitor's open conversation, if any (no write). */
  getOpenConversation(visitorId: string): Promise<Conversation | null>
  /** The visitor's open conversation, created (with `holder`, default human) if none; safe under concurrent callers. */
  getOrCreateOpenConversation(visitorId: string, now: number, holder?: Holder): Promise<{ conversation: Conversation; created: boolean }>
  getConversation(id: string): Promise<Conversation | null>
  listConversations(query: { sites: string[]; status?: ConversationStatus; limit: number }): Promise<Conversation[]>
  listVisitorConversations(visitorId: string): Promise<Conversation[]>
  /** Throws ConflictError when reopening would give the visitor two open conversations. */
  setConversationStatus(id: string, status: ConversationStatus, now: number): Promise<Conversation>

  /** Applies `patch` in one write; `changed` is false when it changed nothing. */
  updateConversation(id: string, patch: ConversationPatch, now: number): Promise<{ conversation: Conversation; changed: boolean }>
  /** Open conversations the bot holds with no activity since `before` (oldest first): the bot closes them. */
  listIdleBotConversations(before: number, limit: number): Promise<Conversation[]>
  /** Per-variant counts of a site's bot conversations (for A/B tests). */
  botStats(site: string, experiment: string | null): Promise<VariantStats[]>
  /** Records what the bot made of a visitor message (one turn per message; a second write replaces it). */
  saveBotTurn(turn: BotTurn): Promise<void>
  listBotTurns(conv: string): Promise<BotTurn[]>

  /** Idempotent on (senderId, cid); resolves only after the message is committed. */
  append(input: AppendInput): Promise<AppendResult>
  /** The message a sender stored under `cid`, if any (the idempotency key). */
  getMessageByCid(senderId: string, cid: string): Promise<Message | null>
  /** Ascending by seq. `after`/`before` are exclusive; `more` says whether more exist in that direction. */
  listMessages(conv: string, query: { after?: number; before?: number; limit: number }): Promise<{ messages: Message[]; more: boolean }>
  /** Moves a side's read cursor forward only (clamped to lastSeq). */
  setReadCursor(conv: string, side: Side, seq: number, now: number): Promise<{ conversation: Conversation; changed: boolean }>

  /** Runs `fn` in one transaction; `fn` must only use the store it is given. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>
  /** Answers when the store is usable (readiness probe). */
  ping(): Promise<void>
  /** Flushes pending appends and closes. */
  close(): Promise<void>
}
