import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ClientFrame, Conversation, ServerFrame } from '../../protocol/index.ts'
import { $conversationList, $conversations, resetConversations, unreadCount } from './conversations.ts'
import { resetDetails } from './details.ts'
import { $botTurns, resetBotTurns } from './bot-turns.ts'
import { $handoffs, $toasts, resetHandoffs } from './handoffs.ts'
import { $me, handleFrame, openConversation } from './live.ts'
import { $outbox, resetOutbox, sendReply } from './outbox.ts'
import { $selectedId } from './selection.ts'
import { setTransport } from './socket.ts'
import { $threads, resetThreads } from './threads.ts'
import { conv, msg } from './test-fixtures.ts'

let sent: ClientFrame[] = []
let restore = () => {}
const fetchMock = vi.fn(async () => new Response(JSON.stringify({ error: { code: 'not_found', message: 'x' } }), { status: 404 }))

beforeEach(() => {
  sent = []
  restore = setTransport((f) => (sent.push(f), true))
  vi.stubGlobal('fetch', fetchMock)
  fetchMock.mockClear()
  resetConversations()
  resetThreads()
  resetOutbox()
  resetDetails()
  resetBotTurns()
  resetHandoffs()
  $selectedId.set(null)
})
afterEach(() => {
  restore()
  vi.unstubAllGlobals()
})

const welcome = (conversations: Conversation[]): ServerFrame => ({ type: 'welcome', v: 1, role: 'agent', me: 'ag1', conversations })
const rows = () => $conversationList.get().map((e) => [e.conv.id, unreadCount(e)])

describe('frames drive the workspace', () => {
  it('builds the list from welcome, adds new conversations live, and reorders on messages', () => {
    handleFrame(welcome([conv('a', { createdAt: 1 }), conv('b', { createdAt: 2 })]))
    expect($me.get()).toBe('ag1')
    expect(rows()).toEqual([['b', 0], ['a', 0]])

    handleFrame({ type: 'conversation', conversation: conv('c', { createdAt: 3 }) })
    handleFrame({ type: 'message', message: msg('c', 1, { ts: 5 }) })
    handleFrame({ type: 'message', message: msg('a', 1, { ts: 6 }) })
    handleFrame({ type: 'message', message: msg('a', 2, { ts: 7 }) })
    expect(rows()).toEqual([['a', 2], ['c', 1], ['b', 0]])

    handleFrame({ type: 'read', conv: 'a', side: 'agent', seq: 2 }) // read in another tab
    expect(rows()[0]).toEqual(['a', 0])
    expect(fetchMock).not.toHaveBeenCalled()
  })

  it('marks the open conversation read as messages arrive', () => {
    handleFrame(welcome([conv('a')]))
    $selectedId.set('a')
    handleFrame({ type: 'message', message: msg('a', 1) })
    expect(sent).toEqual([{ type: 'read', conv: 'a', seq: 1 }])
    expect(unreadCount($conversations.get().a!)).toBe(0)
  })

  it('fetches a conversation it has never seen when a message for it arrives', () => {
    handleFrame(welcome([]))
    handleFrame({ type: 'message', message: msg('zz', 1) })
    expect(fetchMock).toHaveBeenCalledWith('/api/conversations/zz', expect.anything())
  })

  it('turns an ack into the stored message in an open thread, once', () => {
    handleFrame(welcome([conv('a')]))
    $threads.setKey('a', { items: [], loaded: true, loading: false, failed: false, hasOlder: false, stale: false })
    sendReply('a', '您好')
    const cid = $outbox.get()[0]!.cid
    handleFrame({ type: 'ack', id: cid, cid, conv: 'a', msgId: 'm1', seq: 1, ts: 50 })
    handleFrame({ type: 'message', message: msg('a', 1, { id: 'm1', cid, sender: 'agent', senderId: 'ag1', text: '您好', ts: 50 }) })
    expect($outbox.get()).toEqual([])
    expect($threads.get().a!.items.map((m) => [m.id, m.text])).toEqual([['m1', '您好']])
    expect($conversations.get().a!.conv.lastMessage).toEqual({ text: '您好', sender: 'agent', ts: 50 })
  })

  it('fails the matching reply on an error frame', () => {
    handleFrame(welcome([conv('a')]))
    sendReply('a', 'x')
    const cid = $outbox.get()[0]!.cid
    handleFrame({ type: 'error', id: cid, code: 'forbidden', message: 'no' })
    expect($outbox.get()[0]).toMatchObject({ state: 'failed', error: 'forbidden' })
  })

  it('after a reconnect, the open thread fetches only what is after its last seq; others wait until shown', async () => {
    const page = { messages: [msg('a', 4), msg('a', 5)], more: false }
    fetchMock.mockImplementation(async () => new Response(JSON.stringify(page), { status: 200 }))
    handleFrame(welcome([conv('a', { lastSeq: 3 }), conv('b', { lastSeq: 1 })]))
    const loaded = { loaded: true, loading: false, failed: false, hasOlder: false, stale: false }
    $threads.setKey('a', { ...loaded, items: [msg('a', 1), msg('a', 2), msg('a', 3)] })
    $threads.setKey('b', { ...loaded, items: [msg('b', 1)] })
    $selectedId.set('a')
    fetchMock.mockClear()

    handleFrame(welcome([conv('a', { lastSeq: 5 }), conv('b', { lastSeq: 2 })]))
    await vi.waitFor(() => expect($threads.get().a!.items.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]))
    const urls = fetchMock.mock.calls.map((c) => String((c as unknown as [string])[0]))
    expect(urls).toContain('/api/conversations/a/messages?after=3&limit=50')
    expect(urls.some((u) => u.includes('/conversations/b/'))).toBe(false)
    expect($threads.get().b!.stale).toBe(true)
  })

  it('after a reconnect, drops open conversations the new welcome does not list', () => {
    handleFrame(welcome([conv('a'), conv('b')]))
    handleFrame(welcome([conv('b')]))
    expect(rows().map((r) => r[0])).toEqual(['b'])
  })

  it('a hand-off moves the conversation to the people tab, marks it and shows a toast until the agent opens it', () => {
    handleFrame(welcome([conv('a', { holder: 'bot', lastSeq: 2 })]))
    expect(rows()).toEqual([])
    // The server sends the conversation (state) and then the notice.
    handleFrame({ type: 'conversation', conversation: conv('a', { holder: 'human', handoff: { reason: 'visitor_request', at: 2_000 }, lastSeq: 2, updatedAt: 2_000 }) })
    handleFrame({ type: 'handoff', conv: 'a', reason: 'visitor_request', at: 2_000 })
    expect(rows().map((r) => r[0])).toEqual(['a'])
    expect(Object.keys($handoffs.get())).toEqual(['a'])
    expect($toasts.get().map((t) => [t.conv, t.reason])).toEqual([['a', 'visitor_request']])

    fetchMock.mockImplementation(async () => new Response(JSON.stringify({ turns: [] }), { status: 200 }))
    openConversation('a')
    expect($handoffs.get()).toEqual({})
    expect($toasts.get()).toEqual([])
    const urls = fetchMock.mock.calls.map((c) => String((c as unknown as [string])[0]))
    expect(urls).toContain('/api/conversations/a/bot')
  })

  it('keeps the bot’s turns of an opened conversation live from bot frames', () => {
    handleFrame(welcome([conv('a', { holder: 'bot' })]))
    $botTurns.setKey('a', { items: [], loaded: true })
    handleFrame({
      type: 'bot',
      turn: {
        conv: 'a', msgId: 'm1', seq: 1, intent: { intent: 'order_status', confidence: 0.9 }, ranking: [], entities: [], sentiment: null, extra: {},
        version: 'v1', variant: 'default', rules: [], actions: ['action order-status'], handoff: null, error: null, ts: 1,
      },
    })
    expect($botTurns.get().a!.items.map((t) => t.intent?.intent)).toEqual(['order_status'])
  })
})
