import { atom } from 'nanostores'
import type { ServerFrame } from '../../protocol/index.ts'
import { $t } from '../i18n/i18n.ts'
import { setUnauthorizedHandler } from '../lib/api.ts'
import { visitorLabel } from '../lib/names.ts'
import { reasonText } from '../lib/why.ts'
import { loadBotTurns, receiveBotTurn, resetBotTurns } from './bot-turns.ts'
import { $conversations, noteRead, replaceOpen, resetConversations, upsertConversations } from './conversations.ts'
import { loadDetails, resetDetails } from './details.ts'
import { resetDrafts } from './drafts.ts'
import { noteHandoff, resetHandoffs, seenHandoff, type Handoff } from './handoffs.ts'
import { resetBotAdmin } from './bot-admin.ts'
import { resetView } from './view.ts'
import { loadList, markListReady, resetInbox } from './inbox.ts'
import { applyAck, failReply, flushOutbox, resetOutbox, settleByMessage } from './outbox.ts'
import { $selectedId, selectConversation, selectedFromHash } from './selection.ts'
import { $session, expireSession, followOtherTabs, loadSession } from './session.ts'
import { checkSocket, closeSocket, openSocket, sendFrame } from './socket.ts'
import { catchUp, lastSeqOf, markThreadsStale, openThread, receiveMessages, resetThreads, threadOf } from './threads.ts'
import { clearTypingFor, onTypingFrame, resetTyping, stopTyping } from './typing.ts'

/**
 * The workspace's life: starts with a signed-in session, routes every server frame to its store,
 * keeps the open conversation read and caught up, and tears everything down on sign-out.
 */

/** Our agent id as the server knows it (from `welcome`, else the session). */
export const $me = atom<string | null>(null)

let firstWelcome = true

function myIdentity(): { id: string; name: string | null } {
  const session = $session.get()
  const agent = session.state === 'signed-in' ? session.agent : null
  return { id: $me.get() ?? agent?.id ?? '', name: agent?.name ?? null }
}

function isVisible(): boolean {
  return typeof document === 'undefined' || document.visibilityState === 'visible'
}

/** Tell the server the agent has seen the open conversation up to its last message (tab visible only). */
export function syncRead(): void {
  const id = $selectedId.get()
  if (!id || !isVisible()) return
  const entry = $conversations.get()[id]
  if (!entry) return
  const seq = Math.max(entry.conv.lastSeq, lastSeqOf(id))
  if (seq <= entry.conv.agentReadSeq) return
  if (sendFrame({ type: 'read', conv: id, seq })) noteRead(id, 'agent', seq)
}

export function handleFrame(frame: ServerFrame): void {
  switch (frame.type) {
    case 'welcome': {
      $me.set(frame.me)
      const selected = $selectedId.get()
      if (!firstWelcome) {
        // Back after a drop: the open thread catches up now (`?after=`), the others when shown.
        markThreadsStale()
        if (selected) void catchUp(selected)
      }
      firstWelcome = false
      replaceOpen(frame.conversations, selected)
      markListReady('open')
      if (selected && !$conversations.get()[selected]) void loadDetails(selected)
      return
    }
    case 'ack': {
      const msg = applyAck(frame, myIdentity())
      if (msg) receiveMessages(msg.conv, [msg])
      return syncRead()
    }
    case 'message': {
      const msg = frame.message
      settleByMessage(msg, myIdentity().id)
      clearTypingFor(msg.conv, msg.sender)
      // A message for a conversation we do not know yet: fetch it so it shows in the list.
      if (!$conversations.get()[msg.conv]) void loadDetails(msg.conv)
      receiveMessages(msg.conv, [msg])
      return syncRead()
    }
    case 'synced':
      // We send no resume, but if the server replays anyway, page over REST what it could not.
      if (frame.more && threadOf(frame.conv).loaded) void catchUp(frame.conv)
      return
    case 'conversation':
      upsertConversations([frame.conversation])
      return syncRead()
    case 'typing':
      return onTypingFrame(frame)
    case 'read':
      return noteRead(frame.conv, frame.side, frame.seq)
    case 'pong':
      return
    case 'bot':
      return receiveBotTurn(frame.turn)
    case 'handoff': {
      const handoff = { conv: frame.conv, reason: frame.reason, at: frame.at }
      if (!$conversations.get()[frame.conv]) void loadDetails(frame.conv)
      return noteHandoff(handoff, { selected: $selectedId.get(), visible: isVisible(), describe: describeHandoff, open: openConversation })
    }
    case 'error':
      if (frame.id && failReply(frame.id, frame.code)) return
      if (import.meta.env?.DEV) console.warn('kefu: error frame', frame)
      return
    default: {
      const unknown: never = frame
      return unknown
    }
  }
}

/** A desktop notification's words for a hand-off, in the agent's language. */
function describeHandoff(h: Handoff): { title: string; body: string } {
  const t = $t.get()
  const conv = $conversations.get()[h.conv]?.conv
  const who = conv ? visitorLabel(conv, t) : t('visitor.anonymous', { id: '' }).trim()
  return { title: t('handoff.title', { name: who }), body: reasonText(h.reason, t) }
}

/** Show a conversation: its history (or what we missed), the bot's reasons, who the visitor is, and mark it read. */
export function openConversation(id: string | null): void {
  const prev = $selectedId.get()
  if (prev && prev !== id) stopTyping(prev)
  selectConversation(id)
  if (!id) return
  seenHandoff(id)
  void openThread(id).then(syncRead)
  void loadBotTurns(id)
  void loadDetails(id)
  syncRead()
}

function onVisible(): void {
  if (!isVisible()) return
  checkSocket()
  syncRead()
  // A hand-off that arrived while the tab was hidden, for the conversation on screen, is seen now.
  const selected = $selectedId.get()
  if (selected) seenHandoff(selected)
}

let started = false

function startWorkspace(): void {
  if (started) return
  started = true
  firstWelcome = true
  void loadList('open')
  openSocket({
    onFrame: handleFrame,
    onReady: () => {
      flushOutbox()
      syncRead()
    },
    onUnauthorized: expireSession,
  })
  const fromHash = typeof location === 'undefined' ? null : selectedFromHash(location.hash)
  if (fromHash) openConversation(fromHash)
  document.addEventListener('visibilitychange', onVisible)
  // Back from sleep or a network change: probe now rather than wait for the next ping or retry.
  addEventListener('online', checkSocket)
  addEventListener('pageshow', checkSocket)
  addEventListener('focus', onVisible)
}

function stopWorkspace(): void {
  if (!started) return
  started = false
  closeSocket()
  document.removeEventListener('visibilitychange', onVisible)
  removeEventListener('online', checkSocket)
  removeEventListener('pageshow', checkSocket)
  removeEventListener('focus', onVisible)
  selectConversation(null)
  $me.set(null)
  resetConversations()
  resetThreads()
  resetOutbox()
  resetTyping()
  resetDetails()
  resetInbox()
  resetDrafts()
  resetBotTurns()
  resetHandoffs()
  resetBotAdmin()
  resetView()
  firstWelcome = true
}

/** Entry point: check the session, then run the workspace whenever someone is signed in. */
export function bootConsole(): void {
  setUnauthorizedHandler(expireSession)
  followOtherTabs()
  $session.subscribe((session) => (session.state === 'signed-in' ? startWorkspace() : stopWorkspace()))
  void loadSession()
}
