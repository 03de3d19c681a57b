import { describe, expect, it } from 'vitest'
import { createCid } from './cid.ts'
import { LIMITS } from './limits.ts'

describe('createCid', () => {
  it('makes distinct ids that fit the protocol limit', () => {
    const ids = new Set(Array.from({ length: 1000 }, createCid))
    expect(ids.size).toBe(1000)
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{24}$/)
    expect(createCid().length).toBeLessThanOrEqual(LIMITS.cidMax)
  })
})
