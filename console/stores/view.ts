import { atom } from 'nanostores'
import { openBotPage } from './bot-admin.ts'

/** Which page the workspace shows: the inbox, or the Bot page of one of the agent's sites. */
export type View = 'inbox' | 'bot'

export const $view = atom<View>('inbox')

export function showInbox(): void {
  $view.set('inbox')
}

export function showBot(site: string): void {
  $view.set('bot')
  openBotPage(site)
}

export function resetView(): void {
  $view.set('inbox')
}
