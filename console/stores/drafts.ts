/** Unsent composer text per conversation, so switching conversations keeps what the agent typed. */
const drafts = new Map<string, string>()

export function draftOf(conv: string): string {
  return drafts.get(conv) ?? ''
}

export function setDraft(conv: string, text: string): void {
  if (text) drafts.set(conv, text)
  else drafts.delete(conv)
}

export function resetDrafts(): void {
  drafts.clear()
}
