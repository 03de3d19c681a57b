/** Token-bucket rate limiter keyed by string (IP, visitor id). In memory: per process. */
export type RateLimiter = { take(key: string, now: number): boolean }

/** Buckets kept before idle (full) ones are swept, so a flood of keys cannot grow memory without bound. */
const SWEEP_AT = 10_000

/** `perMinute` requests per key per minute, with bursts up to `perMinute`. 0 disables the limit. */
export function createRateLimiter(perMinute: number): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>()
  const refillPerMs = perMinute / 60_000
  const sweep = (now: number) => {
    for (const [key, b] of buckets) if (b.tokens + (now - b.at) * refillPerMs >= perMinute) buckets.delete(key)
  }
  return {
    take(key, now) {
      if (perMinute <= 0) return true
      if (buckets.size >= SWEEP_AT) sweep(now)
      const b = buckets.get(key) ?? { tokens: perMinute, at: now }
      b.tokens = Math.min(perMinute, b.tokens + (now - b.at) * refillPerMs)
      b.at = now
      const ok = b.tokens >= 1
      if (ok) b.tokens -= 1
      buckets.set(key, b)
      return ok
    },
  }
}
