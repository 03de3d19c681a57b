/** Token-bucket rate limiter keyed by string (IP, visitor id). In memory: per process. */
export type RateLimiter = { take(key: string, now: number): boolean }

/** Buckets kept before idle (full) ones are swept, so a flood of keys cannot grow memory without bound. */
const SWEEP_AT = 10_000

/** One key's tokens, as of `at`. */
export type Bucket = { tokens: number; at: number }

/** A bucket that starts full. */
export const fullBucket = (perMinute: number, now: number): Bucket => ({ tokens: perMinute, at: now })

/** The tokens `b` holds at `now`, refilled at `perMinute` up to `perMinute`. */
const refilled = (b: Bucket, perMinute: number, now: number): number => Math.min(perMinute, b.tokens + ((now - b.at) * perMinute) / 60_000)

/** Refills `b` up to `now` and takes one token if there is one. */
export function takeToken(b: Bucket, perMinute: number, now: number): boolean {
  b.tokens = refilled(b, perMinute, now)
  b.at = now
  if (b.tokens < 1) return false
  b.tokens -= 1
  return true
}

/** `perMinute` requests per key per minute, with bursts up to `perMinute`. 0 disables the limit. */
export function createRateLimiter(perMinute: number): RateLimiter {
  const buckets = new Map<string, Bucket>()
  const sweep = (now: number) => {
    for (const [key, b] of buckets) if (refilled(b, perMinute, now) >= perMinute) buckets.delete(key)
  }
  return {
    take(key, now) {
      if (perMinute <= 0) return true
      if (buckets.size >= SWEEP_AT) sweep(now)
      let b = buckets.get(key)
      if (!b) buckets.set(key, (b = fullBucket(perMinute, now)))
      return takeToken(b, perMinute, now)
    },
  }
}
