/** Stable error codes carried by `error` frames and REST error bodies. */
export const ErrorCode = {
  BadFrame: 'bad_frame',
  UnknownType: 'unknown_type',
  TooLarge: 'too_large',
  BadRequest: 'bad_request',
  Unauthorized: 'unauthorized',
  InvalidToken: 'invalid_token',
  ExpiredToken: 'expired_token',
  Forbidden: 'forbidden',
  NotFound: 'not_found',
  Conflict: 'conflict',
  RateLimited: 'rate_limited',
  NotReady: 'not_ready',
  /** A bot script or experiment file that does not validate; the body lists line-numbered errors. */
  InvalidScript: 'invalid_script',
  Internal: 'internal',
} as const
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

/** WebSocket close codes (4xxx are ours). Clients reconnect on every code except the `final` ones. */
export const CloseCode = {
  /** Bad or missing credentials in `hello`: the client must get a new session before retrying. */
  Unauthorized: 4001,
  /** No `hello` in time. */
  HelloTimeout: 4002,
  /** Protocol version not spoken by this server: reload the app. */
  UnsupportedVersion: 4003,
  /** The client kept sending bad frames. */
  Abuse: 4004,
  /** Send buffer overflowed (slow consumer): reconnect and resume, nothing durable was lost. */
  Resume: 4008,
  /** Server shutting down: reconnect with backoff. */
  GoingAway: 1001,
} as const
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode]

/** Close codes after which reconnecting with the same credentials is pointless. */
export const FINAL_CLOSE_CODES: readonly number[] = [CloseCode.Unauthorized, CloseCode.UnsupportedVersion]
