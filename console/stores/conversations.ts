import { atom, computed } from 'nanostores'
import type { Conversation, ConversationStatus, Message, Sender, Side } from '../../protocol/index.ts'
import { mergeConversation } from '../../widget/merge.ts'
import { $selectedId } from './selection.ts'

/**
 * The conversation list: every conversation the agent has seen (welcome, REST lists, live frames),
 * merged so that nothing moves backwards, plus who sent the messages we know of past the agent's read
 * cursor, so unread counts are exact where we can be.
 */
export type ConvEntry = {
  conv: Conversation
  /** Sender of each known message with seq > agentReadSeq (pruned when the cursor moves). */
  senders: Readonly<Record<number, Sender>>
}
export type ConvEntries = Readonly<Record<string, ConvEntry>>

/** Unread counts stop counting here; the badge shows "99+". */
export const UNREAD_SCAN_MAX = 100

/**
 * The list's tabs, like Chatwoot's pending/open: open conversations a person holds (waiting for or with
 * an agent), open ones the bot is answering, and resolved ones.
 */
export type ListTab = 'human' | 'bot' | 'resolved'
export const LIST_TABS: readonly ListTab[] = ['human', 'bot', 'resolved']

export const $conversations = atom<ConvEntries>({})
export const $listTab = atom<ListTab>('human')

export function tabOf(conv: Conversation): ListTab {
  if (conv.status === 'resolved') return 'resolved'
  return conv.holder === 'bot' ? 'bot' : 'human'
}

/** The REST list a tab is filled from. */
export function statusOfTab(tab: ListTab): ConversationStatus {
  return tab === 'resolved' ? 'resolved' : 'open'
}

function pruneSenders(senders: Readonly<Record<number, Sender>>, readSeq: number): Readonly<Record<number, Sender>> {
  let changed = false
  const out: Record<number, Sender> = {}
  for (const [key, sender] of Object.entries(senders)) {
    if (Number(key) > readSeq) out[Number(key)] = sender
    else changed = true
  }
  return changed ? out : senders
}

export function withConversation(entries: ConvEntries, conv: Conversation): ConvEntries {
  const prev = entries[conv.id]
  const merged = mergeConversation(prev?.conv, conv)
  return { ...entries, [conv.id]: { conv: merged, senders: pruneSenders(prev?.senders ?? {}, merged.agentReadSeq) } }
}

/** Folds known messages into their conversation: last message, seq, unread bookkeeping. */
export function withMessages(entries: ConvEntries, messages: readonly Message[]): ConvEntries {
  let out = entries
  for (const msg of messages) {
    const entry = out[msg.conv]
    if (!entry) continue // unknown conversation: the caller fetches it
    const { conv } = entry
    const isLast = msg.seq >= conv.lastSeq
    const next: Conversation = isLast
      ? { ...conv, lastSeq: msg.seq, lastMessage: { text: msg.text, sender: msg.sender, ts: msg.ts }, updatedAt: Math.max(conv.updatedAt, msg.ts) }
      : conv
    const senders = msg.seq > conv.agentReadSeq && entry.senders[msg.seq] !== msg.sender ? { ...entry.senders, [msg.seq]: msg.sender } : entry.senders
    if (next === conv && senders === entry.senders) continue
    out = { ...out, [msg.conv]: { conv: next, senders } }
  }
  return out
}

/** A read cursor moved (ours, optimistic or echoed, or the visitor's). */
export function withRead(entries: ConvEntries, convId: string, side: Side, seq: number): ConvEntries {
  const entry = entries[convId]
  if (!entry) return entries
  const key = side === 'agent' ? 'agentReadSeq' : 'visitorReadSeq'
  if (entry.conv[key] >= seq) return entries
  const conv = { ...entry.conv, [key]: seq }
  return { ...entries, [convId]: { conv, senders: side === 'agent' ? pruneSenders(entry.senders, seq) : entry.senders } }
}

/**
 * Visitor messages past the agent's read cursor. Seqs we never saw (the list came from `welcome` or
 * REST, which carry only the last message) count as the visitor's when the last message is theirs.
 */
export function unreadCount(entry: ConvEntry): number {
  const { lastSeq, agentReadSeq, lastMessage } = entry.conv
  const guessVisitor = lastMessage?.sender === 'visitor'
  const end = Math.min(lastSeq, agentReadSeq + UNREAD_SCAN_MAX)
  let n = 0
  for (let seq = agentReadSeq + 1; seq <= end; seq++) {
    const sender = entry.senders[seq]
    if (sender === 'visitor' || (sender === undefined && guessVisitor)) n++
  }
  return n
}

/** When the conversation last moved: its last message, else its creation. */
export function activityOf(conv: Conversation): number {
  return conv.lastMessage?.ts ?? conv.createdAt
}

export function sortedList(entries: ConvEntries, tab: ListTab): ConvEntry[] {
  return Object.values(entries)
    .filter((e) => tabOf(e.conv) === tab)
    .sort((a, b) => activityOf(b.conv) - activityOf(a.conv) || (a.conv.id < b.conv.id ? -1 : 1))
}

export const $conversationList = computed([$conversations, $listTab], sortedList)

/** How many conversations each open tab holds (the resolved list is not counted: it only grows). */
export const $tabCounts = computed($conversations, (entries) => {
  const counts: Record<ListTab, number> = { human: 0, bot: 0, resolved: 0 }
  for (const e of Object.values(entries)) counts[tabOf(e.conv)]++
  return counts
})

/** Unread across open conversations a person holds, for the tab title (the bot answers the others). */
export const $totalUnread = computed($conversations, (entries) =>
  Object.values(entries).reduce((sum, e) => (tabOf(e.conv) === 'human' ? sum + unreadCount(e) : sum), 0),
)

export function upsertConversations(list: readonly Conversation[]): void {
  let entries = $conversations.get()
  const selected = $selectedId.get()
  let follow: ListTab | null = null
  for (const conv of list) {
    const before = entries[conv.id]?.conv
    entries = withConversation(entries, conv)
    if (conv.id === selected && before) follow = followedTab(tabOf(before), tabOf(entries[conv.id]!.conv))
  }
  $conversations.set(entries)
  if (follow) $listTab.set(follow)
}

/**
 * The conversation on screen changed hands (taken over, handed back or off): the list shows its new
 * tab, so it does not vanish from under the agent. Resolving keeps the tab (the row leaves, as before).
 */
function followedTab(from: ListTab, to: ListTab): ListTab | null {
  if (from === to || from === 'resolved' || to === 'resolved' || $listTab.get() !== from) return null
  return to
}

export function noteMessages(messages: readonly Message[]): void {
  $conversations.set(withMessages($conversations.get(), messages))
}

export function noteRead(convId: string, side: Side, seq: number): void {
  $conversations.set(withRead($conversations.get(), convId, side, seq))
}

/**
 * After a reconnect, `welcome` lists every open conversation. An open one we hold that it does not
 * name was resolved (or left our sites) meanwhile: forget it, except the one on screen, which the
 * caller refetches.
 */
export function replaceOpen(open: readonly Conversation[], keep: string | null): void {
  const named = new Set(open.map((c) => c.id))
  const kept: Record<string, ConvEntry> = {}
  for (const [id, entry] of Object.entries($conversations.get())) {
    if (entry.conv.status !== 'open' || named.has(id) || id === keep) kept[id] = entry
  }
  $conversations.set(kept)
  upsertConversations(open)
}

export function setListTab(tab: ListTab): void {
  $listTab.set(tab)
}

export function resetConversations(): void {
  $conversations.set({})
  $listTab.set('human')
}
