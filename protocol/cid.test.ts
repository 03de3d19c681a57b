import { describe, expect, it } from 'vitest'
import { createCid } from './cid.ts'
import { LIMITS } from './limits.ts'

describe('createCid', () => {
  it('makes distinct ids that fit the protocol limit', () => {
    const ids = new Set(Array.from({ length: 1000 }, createCid))
    expect(ids.size).toBe(1000)
    for (const id of ids) expect(id).toMatch(/^[0-9a-z]{8,9}[0-9a-f]{16}$/)
    expect(createCid().length).toBeLessThanOrEqual(LIMITS.cidMax)
  })

  it('starts with the time, so a later cid sorts after an earlier one', async () => {
    const first = createCid()
    await new Promise((r) => setTimeout(r, 5))
    expect(createCid() > first).toBe(true)
    expect(parseInt(first.slice(0, -16), 36)).toBeGreaterThan(Date.now() - 60_000)
  })
})
