import { describe, expect, it } from 'vitest'
import { titleOf } from './title.ts'

describe('tab title', () => {
  it('counts unread messages and unopened hand-offs, with a bell for hand-offs', () => {
    expect(titleOf(0, 0)).toBe('Kefu')
    expect(titleOf(3, 0)).toBe('(3) Kefu')
    expect(titleOf(0, 1)).toBe('🔔 (1) Kefu')
    expect(titleOf(120, 2)).toBe('🔔 (99+) Kefu')
  })
})
