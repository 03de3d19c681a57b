/**
 * Client message ids, generated before the first send attempt so a resend after a reconnect is
 * recognised by the server. `crypto.randomUUID` needs a secure context, and self-hosted installs are
 * often plain http on a LAN, so we use `getRandomValues`, which works everywhere.
 */
export function createCid(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12))
  let out = 'a'
  for (const b of bytes) out += b.toString(16).padStart(2, '0')
  return out
}
