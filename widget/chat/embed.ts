import { parseHostMessage, type FrameMessage, type HostMessage } from '../../protocol/index.ts'
import { EMBED } from './env.ts'

/**
 * The iframe's side of the loader bridge. Only messages from `window.parent` are read; the parent's
 * origin is learned from its first `init` (the server's frame-ancestors CSP decides who may embed us)
 * and from then on both directions use exactly that origin, never '*'.
 */
let parentOrigin: string | null = null
const pending: FrameMessage[] = []
const handlers: ((message: HostMessage) => void)[] = []

/** Loader messages that arrived before the app subscribed are kept, in order. */
const early: HostMessage[] = []

export function onHostMessage(fn: (message: HostMessage) => void): void {
  handlers.push(fn)
  early.splice(0).forEach(fn)
}

export function postToHost(message: FrameMessage): void {
  if (!EMBED) return
  if (!parentOrigin) {
    if (pending.length < 100) pending.push(message)
    return
  }
  window.parent.postMessage(message, parentOrigin)
}

if (EMBED) {
  addEventListener('message', (event) => {
    if (event.source !== window.parent) return
    const message = parseHostMessage(event.data)
    if (!message) return
    if (message.type === 'init') parentOrigin = event.origin
    if (event.origin !== parentOrigin) return
    if (handlers.length) handlers.forEach((fn) => fn(message))
    else early.push(message)
    if (message.type === 'init') pending.splice(0).forEach(postToHost)
  })
}
