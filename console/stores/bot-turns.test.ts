import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { BotTurn } from '../../protocol/index.ts'
import { $botTurns, loadBotTurns, receiveBotTurn, resetBotTurns, turnsByMessage } from './bot-turns.ts'

const turn = (seq: number, over: Partial<BotTurn> = {}): BotTurn => ({
  conv: 'c1', msgId: `m${seq}`, seq, intent: { intent: 'hours', confidence: 0.8 }, ranking: [], entities: [], sentiment: null, extra: {},
  version: 'v1', variant: 'default', rules: [], actions: ['reply'], handoff: null, error: null, ts: seq, ...over,
})

let answer: () => Promise<Response>
const fetchMock = vi.fn(() => answer())

beforeEach(() => {
  resetBotTurns()
  vi.stubGlobal('fetch', fetchMock)
  fetchMock.mockClear()
})
afterEach(() => vi.unstubAllGlobals())

const items = () => $botTurns.get().c1?.items.map((t) => [t.msgId, t.intent?.intent]) ?? null

describe('bot turns', () => {
  it('loads a conversation’s turns once, and merges a live turn that arrived while loading', async () => {
    let release = () => {}
    answer = () => new Promise((resolve) => (release = () => resolve(new Response(JSON.stringify({ turns: [turn(1), turn(3)] })))))
    const loading = loadBotTurns('c1')
    receiveBotTurn(turn(5, { intent: { intent: 'handoff', confidence: 0.97 } }))
    release()
    await loading
    expect(items()).toEqual([['m1', 'hours'], ['m3', 'hours'], ['m5', 'handoff']])
    expect(fetchMock).toHaveBeenCalledWith('/api/conversations/c1/bot', expect.anything())
    await loadBotTurns('c1')
    expect(fetchMock).toHaveBeenCalledTimes(1)
  })

  it('keeps one turn per visitor message, the newest, in seq order', async () => {
    answer = async () => new Response(JSON.stringify({ turns: [] }))
    await loadBotTurns('c1')
    receiveBotTurn(turn(4))
    receiveBotTurn(turn(2))
    receiveBotTurn(turn(4, { handoff: 'low_confidence' }))
    expect($botTurns.get().c1!.items.map((t) => [t.seq, t.handoff])).toEqual([[2, null], [4, 'low_confidence']])
    expect(turnsByMessage($botTurns.get().c1!.items).get('m4')?.handoff).toBe('low_confidence')
  })

  it('ignores live turns of conversations nobody opened (they load when opened)', () => {
    receiveBotTurn(turn(1, { conv: 'other' }))
    expect($botTurns.get()).toEqual({})
  })
})
