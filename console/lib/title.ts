/**
 * The browser tab's title, so an agent in another tab sees that visitors wait: unread messages plus
 * conversations the bot handed over that nobody opened yet, with a bell while there are hand-offs.
 */
export function titleOf(unread: number, handoffs: number): string {
  const count = unread + handoffs
  return `${handoffs > 0 ? '🔔 ' : ''}${count > 0 ? `(${count > 99 ? '99+' : count}) ` : ''}Kefu`
}
