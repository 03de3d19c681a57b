import { map } from 'nanostores'
import type { BotTurn } from '../../protocol/index.ts'
import { api } from '../lib/api.ts'
import { BotTurnsSchema } from '../lib/schemas.ts'

/**
 * What the bot made of each visitor message ("why" it answered as it did), per conversation the agent
 * opened: loaded with `GET /conversations/:id/bot`, then kept live from `bot` frames.
 */
export type Turns = { items: readonly BotTurn[]; loaded: boolean }

export const $botTurns = map<Record<string, Turns | undefined>>({})

/** Adds or replaces a turn (one per visitor message), keeping the list ordered by seq. */
export function withTurn(items: readonly BotTurn[], turn: BotTurn): readonly BotTurn[] {
  const rest = items.filter((t) => t.msgId !== turn.msgId)
  return [...rest, turn].sort((a, b) => a.seq - b.seq)
}

/** The turn that answered each visitor message, by message id. */
export function turnsByMessage(items: readonly BotTurn[]): ReadonlyMap<string, BotTurn> {
  return new Map(items.map((t) => [t.msgId, t]))
}

export async function loadBotTurns(conv: string): Promise<void> {
  const held = $botTurns.get()[conv]
  if (held?.loaded) return
  // Created before the request, so a `bot` frame arriving meanwhile is kept and merged below.
  if (!held) $botTurns.setKey(conv, { items: [], loaded: false })
  const res = await api(`/conversations/${encodeURIComponent(conv)}/bot`, { schema: BotTurnsSchema })
  if (!res.ok) return
  let items = $botTurns.get()[conv]?.items ?? []
  for (const turn of res.data.turns) if (!items.some((t) => t.msgId === turn.msgId)) items = withTurn(items, turn)
  $botTurns.setKey(conv, { items, loaded: true })
}

/** A live `bot` frame: kept for conversations the agent opened (the others load theirs when opened). */
export function receiveBotTurn(turn: BotTurn): void {
  const held = $botTurns.get()[turn.conv]
  if (held) $botTurns.setKey(turn.conv, { ...held, items: withTurn(held.items, turn) })
}

export function resetBotTurns(): void {
  $botTurns.set({})
}
