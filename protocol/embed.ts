import * as v from 'valibot'
import { LIMITS } from './limits.ts'
import { AttributesSchema } from './models.ts'

/**
 * Messages between the loader (`widget.js`, in the host page) and the chat app in its iframe, sent with
 * `postMessage` to one exact origin (never `'*'`). Both sides check `event.origin` and `event.source`.
 * The iframe parses what the loader sends with `HostMessageSchema`; the loader is kept tiny, so it
 * checks the few fields it reads by hand.
 */

/** Loader → iframe. */
export const HostMessageSchema = v.variant('type', [
  /**
   * Sent on every iframe `load`: the visitor token the loader keeps in the host page's localStorage
   * (the iframe's own storage may be partitioned or wiped), whether the panel is open, the locale.
   */
  v.object({
    type: v.literal('init'),
    session: v.nullable(v.pipe(v.string(), v.maxLength(4096))),
    open: v.boolean(),
    locale: v.nullable(v.pipe(v.string(), v.maxLength(16))),
  }),
  /** The panel was opened or closed (read receipts are sent only while it is open). */
  v.object({ type: v.literal('panel'), open: v.boolean() }),
  /** `Kefu('identify', { token })`: a JWT signed by the site's backend. */
  v.object({ type: v.literal('identify'), token: v.pipe(v.string(), v.minLength(1), v.maxLength(LIMITS.userTokenMax)) }),
  /** `Kefu('setAttributes', {...})`. */
  v.object({ type: v.literal('attributes'), attributes: AttributesSchema }),
  /** `Kefu('setLocale', 'zh-CN' | 'en')`. */
  v.object({ type: v.literal('locale'), locale: v.pipe(v.string(), v.maxLength(16)) }),
])
export type HostMessage = v.InferOutput<typeof HostMessageSchema>

/** What the page's `Kefu('on', 'message', fn)` listeners receive: agent messages as they arrive. */
export type EmbedMessage = { id: string; conv: string; seq: number; text: string; senderName: string | null; ts: number }

/** Iframe → loader. */
export type FrameMessage =
  /** The chat app is running; `color` is the site's launcher colour. */
  | { type: 'ready'; color: string }
  /** A visitor token was minted or rotated (identify): keep it in the host page's localStorage. */
  | { type: 'session'; token: string }
  /** Unread agent messages (launcher badge, `unread` listeners). */
  | { type: 'unread'; count: number }
  | { type: 'message'; message: EmbedMessage }
  /** The visitor pressed the panel's close button (or Escape). */
  | { type: 'close' }
  /** Something the host page should know about, e.g. a refused identify token. */
  | { type: 'error'; code: string; message: string }

export type FrameMessageOf<T extends FrameMessage['type']> = Extract<FrameMessage, { type: T }>

/** Host-page localStorage key of the visitor token handoff, per site. */
export const embedStorageKey = (site: string): string => `kefu:${site}`

/** Parses one message from the loader; null for anything else. */
export function parseHostMessage(data: unknown): HostMessage | null {
  const result = v.safeParse(HostMessageSchema, data)
  return result.success ? result.output : null
}
