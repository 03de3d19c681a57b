import * as ws from 'ws'

const PATCHED = Symbol.for('kefu.ws.emptiesReplacedFragments')

type ReceiverState = { _fragments: unknown[]; _binaryType: string }
type ReceiverPrototype = { dataMessage?: (this: ReceiverState, ...args: unknown[]) => unknown; [PATCHED]?: true }

/**
 * Makes `ws`'s receiver empty a message's fragment array when it is done with it. `ws` (8.x) keeps the
 * frames of the message being read in `_fragments` and, once the message is complete, replaces that array
 * with a new one. On a socket that gets a frame every few seconds (a chat visitor) the array has reached V8's
 * old generation by then, and the frame just pushed into it is young. A dead old object that points at young
 * ones still keeps them alive through every scavenge (the scavenger takes all old-to-new pointers as roots)
 * until the next mark-compact, so each frame's buffers were promoted: ~340 B per received frame with 10,000
 * sockets, for a mark-compact to find (bench/RESULTS.md, item 32). An emptied array points at nothing.
 * Kefu's socket server installs it, and so do the benchmark's bare relay and its load generator's clients.
 *
 * Returns false, changing nothing, if this `ws` has no such method to wrap (its test then fails).
 */
export function emptyReplacedWsFragments(): boolean {
  // `ws` exports its Receiver by name; its type definitions leave it out.
  const proto = (ws as unknown as { Receiver: { prototype: ReceiverPrototype } }).Receiver.prototype
  if (proto[PATCHED]) return true
  const dataMessage = proto.dataMessage
  if (typeof dataMessage !== 'function') return false
  proto.dataMessage = function (this: ReceiverState, ...args: unknown[]) {
    const fragments = this._fragments
    const result = dataMessage.apply(this, args)
    // The 'fragments' binary type hands the array itself to the listener; every other type copies or
    // reuses the buffers, never the array.
    if (this._fragments !== fragments && this._binaryType !== 'fragments') fragments.length = 0
    return result
  }
  proto[PATCHED] = true
  return true
}
