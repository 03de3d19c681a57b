/**
 * A client message id (`cid`), generated before the first send attempt so that a resend after a
 * reconnect is recognised by the server. 96 random bits as hex: `getRandomValues` works in browsers
 * and Node alike, also on plain-http installs where `crypto.randomUUID` (secure contexts only) does not.
 */
export function createCid(): string {
  let out = ''
  for (const b of crypto.getRandomValues(new Uint8Array(12))) out += b.toString(16).padStart(2, '0')
  return out
}
