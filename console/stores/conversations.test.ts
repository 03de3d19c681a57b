import { beforeEach, describe, expect, it } from 'vitest'
import {
  $conversationList,
  $conversations,
  noteMessages,
  noteRead,
  replaceOpen,
  resetConversations,
  setListTab,
  $listTab,
  $tabCounts,
  $totalUnread,
  unreadCount,
  upsertConversations,
} from './conversations.ts'
import { mergeConversation } from '../../widget/merge.ts'
import { $selectedId } from './selection.ts'
import { conv, msg } from './test-fixtures.ts'

const ids = () => $conversationList.get().map((e) => e.conv.id)
const unread = (id: string) => unreadCount($conversations.get()[id]!)

beforeEach(() => {
  resetConversations()
  $selectedId.set(null)
})

describe('conversation list', () => {
  it('orders by latest activity and reorders live when a message arrives', () => {
    upsertConversations([
      conv('a', { createdAt: 1, lastSeq: 1, lastMessage: { text: 'hi', sender: 'visitor', ts: 5_000 } }),
      conv('b', { createdAt: 2, lastSeq: 1, lastMessage: { text: 'yo', sender: 'visitor', ts: 9_000 } }),
      conv('c', { createdAt: 7_000 }),
    ])
    expect(ids()).toEqual(['b', 'c', 'a'])
    noteMessages([msg('a', 2, { ts: 20_000, text: '还在吗？' })])
    expect(ids()).toEqual(['a', 'b', 'c'])
    expect($conversations.get().a!.conv.lastMessage).toEqual({ text: '还在吗？', sender: 'visitor', ts: 20_000 })
  })

  it('filters by status, and a conversation frame moves it between tabs', () => {
    upsertConversations([conv('a'), conv('b', { status: 'resolved' })])
    expect(ids()).toEqual(['a'])
    upsertConversations([conv('a', { status: 'resolved', updatedAt: 2_000 })])
    expect(ids()).toEqual([])
    setListTab('resolved')
    expect(ids().sort()).toEqual(['a', 'b'])
  })

  it('splits open conversations by who holds them; a hand-off moves one to the people tab', () => {
    upsertConversations([
      conv('p', { holder: 'human' }),
      conv('b1', { holder: 'bot', lastSeq: 2, lastMessage: { text: '营业时间？', sender: 'visitor', ts: 3_000 } }),
      conv('b2', { holder: 'bot' }),
      conv('r', { holder: 'bot', status: 'resolved' }),
    ])
    expect(ids()).toEqual(['p'])
    expect($tabCounts.get()).toEqual({ human: 1, bot: 2, resolved: 1 })
    // The bot is answering b1: its visitor messages do not count in the title's unread total.
    expect($totalUnread.get()).toBe(0)
    setListTab('bot')
    expect(ids()).toEqual(['b1', 'b2'])
    upsertConversations([conv('b1', { holder: 'human', handoff: { reason: 'visitor_request', at: 4_000 }, updatedAt: 4_000 })])
    expect(ids()).toEqual(['b2'])
    setListTab('human')
    expect(ids().sort()).toEqual(['b1', 'p'])
    expect($totalUnread.get()).toBe(2)
  })

  it('follows the conversation on screen to its new tab when it changes hands, but not when resolved', () => {
    upsertConversations([conv('a', { holder: 'bot' }), conv('b', { holder: 'bot' })])
    setListTab('bot')
    $selectedId.set('a')
    upsertConversations([conv('a', { holder: 'human', updatedAt: 2_000 })]) // taken over
    expect($listTab.get()).toBe('human')
    expect(ids()).toEqual(['a'])
    upsertConversations([conv('a', { holder: 'bot', updatedAt: 3_000 })]) // handed back
    expect($listTab.get()).toBe('bot')
    // Another conversation changing hands does not move the agent's list.
    upsertConversations([conv('b', { holder: 'human', updatedAt: 3_000 })])
    expect($listTab.get()).toBe('bot')
    upsertConversations([conv('a', { holder: 'bot', status: 'resolved', updatedAt: 4_000 })])
    expect($listTab.get()).toBe('bot')
  })

  it('never moves seq or read cursors back when an older snapshot arrives late', () => {
    const fresh = conv('a', { lastSeq: 5, agentReadSeq: 4, visitorReadSeq: 3, status: 'resolved', updatedAt: 9_000 })
    const stale = conv('a', { lastSeq: 2, agentReadSeq: 1, visitorReadSeq: 1, status: 'open', updatedAt: 3_000 })
    expect(mergeConversation(fresh, stale)).toMatchObject({ lastSeq: 5, agentReadSeq: 4, visitorReadSeq: 3, status: 'resolved' })
  })

  it('forgets open conversations missing from a new welcome, but keeps the one on screen', () => {
    upsertConversations([conv('a'), conv('b'), conv('c'), conv('r', { status: 'resolved' })])
    replaceOpen([conv('a'), conv('d')], 'c')
    expect(Object.keys($conversations.get()).sort()).toEqual(['a', 'c', 'd', 'r'])
  })
})

describe('unread counts', () => {
  it('counts visitor messages past the agent read cursor, from live frames', () => {
    upsertConversations([conv('a')])
    noteMessages([msg('a', 1), msg('a', 2)])
    expect(unread('a')).toBe(2)
    noteMessages([msg('a', 3, { sender: 'agent', senderId: 'ag1' })])
    expect(unread('a')).toBe(2)
    noteMessages([msg('a', 2)]) // duplicate frame
    expect(unread('a')).toBe(2)
    noteRead('a', 'agent', 2)
    expect(unread('a')).toBe(0)
    noteMessages([msg('a', 4)])
    expect(unread('a')).toBe(1)
  })

  it('estimates from the last message when the list came without history', () => {
    upsertConversations([
      conv('a', { lastSeq: 3, agentReadSeq: 1, lastMessage: { text: 'x', sender: 'visitor', ts: 1 } }),
      conv('b', { lastSeq: 3, agentReadSeq: 1, lastMessage: { text: 'x', sender: 'agent', ts: 1 } }),
    ])
    expect(unread('a')).toBe(2)
    expect(unread('b')).toBe(0)
  })

  it('is bounded for very long unread runs', () => {
    upsertConversations([conv('a', { lastSeq: 10_000, lastMessage: { text: 'x', sender: 'visitor', ts: 1 } })])
    expect(unread('a')).toBe(100)
  })

  it('a read frame from the server moves the cursor, never back', () => {
    upsertConversations([conv('a', { lastSeq: 4, agentReadSeq: 4 })])
    noteRead('a', 'agent', 2)
    expect($conversations.get().a!.conv.agentReadSeq).toBe(4)
    noteRead('a', 'visitor', 3)
    expect($conversations.get().a!.conv.visitorReadSeq).toBe(3)
  })
})
