/**
 * A client message id (`cid`), generated before the first send attempt so that a resend after a
 * reconnect is recognised by the server. The time in base36 (so later cids sort after earlier ones and
 * the server's cid index grows at its end) and 64 random bits as hex: `getRandomValues` works in browsers
 * and Node alike, also on plain-http installs where `crypto.randomUUID` (secure contexts only) does not.
 */
export function createCid(): string {
  let out = Date.now().toString(36)
  for (const b of crypto.getRandomValues(new Uint8Array(8))) out += b.toString(16).padStart(2, '0')
  return out
}
