/** Protocol version spoken in `hello`; bump when a frame changes incompatibly. */
export const PROTOCOL_VERSION = 1

/** Every limit a stranger can reach, in one place. Server enforces; clients check to fail early. */
export const LIMITS = {
  /** Characters in one message's text (UTF-16 code units, as `String.length`). */
  textMax: 4000,
  /** Bytes of one inbound WebSocket frame; larger frames get `too_large` and are dropped. */
  frameBytesMax: 16 * 1024,
  /** Client message ids: generated before the first send attempt. */
  cidMax: 64,
  /** Request ids chosen by the client to match acks and errors. */
  requestIdMax: 64,
  /** Messages replayed on resume per conversation; beyond that the client pages over REST. */
  replayMax: 200,
  /** Messages in one REST page. */
  pageMax: 200,
  /** Custom attributes a site can set on a visitor. */
  attributesMax: 50,
  attributeKeyMax: 64,
  attributeValueMax: 500,
  /** Display names and emails. */
  nameMax: 120,
  emailMax: 254,
  /** Identify tokens (JWT) as a string; and how far in the future `exp` may lie. */
  userTokenMax: 4096,
  userTokenLifetimeMaxSec: 60 * 60 * 24,
  /** Site keys: lowercase letters, digits, dashes. */
  siteKeyMax: 64,
} as const

/** Named timings shared by client and server. */
export const TIMING = {
  /** Server sends a WebSocket ping this often and drops a socket after two missed pongs. */
  serverPingMs: 25_000,
  /** Client sends an application `ping` this often while connected... */
  clientPingMs: 20_000,
  /** ...and treats the socket as dead if no `pong` arrives within this. */
  clientPongTimeoutMs: 8_000,
  /** A socket must say `hello` within this after the upgrade. */
  helloTimeoutMs: 10_000,
  /** A typing indicator expires on the receiving side after this without a refresh. */
  typingTtlMs: 6_000,
  /** Reconnect backoff: full jitter between 0 and min(max, base * 2^attempt). */
  backoffBaseMs: 500,
  backoffMaxMs: 15_000,
  /** Backoff resets only after a connection stayed up this long. */
  backoffResetAfterMs: 5_000,
} as const
