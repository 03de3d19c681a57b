import { describe, expect, it } from 'vitest'
import { formatAge, formatDay, isNewDay } from './time.ts'

const now = new Date(2026, 10, 28, 18, 30).getTime()
const min = 60_000

describe('formatAge', () => {
  it('is compact and localised', () => {
    expect(formatAge(now - 10_000, now, 'en')).toBe('now')
    expect(formatAge(now - 5 * min, now, 'en')).toBe('5m')
    expect(formatAge(now - 3 * 60 * min, now, 'en')).toBe('3h')
    expect(formatAge(now - 2 * 24 * 60 * min, now, 'en')).toBe('2d')
    expect(formatAge(now - 5 * min, now, 'zh-CN')).toBe('5分钟')
    expect(formatAge(now - 10_000, now, 'zh-CN')).toBe('现在')
  })

  it('shows a date after a week, with the year only when it differs', () => {
    expect(formatAge(new Date(2026, 10, 1).getTime(), now, 'en')).toBe('Nov 1')
    expect(formatAge(new Date(2025, 10, 1).getTime(), now, 'en')).toBe('Nov 1, 2025')
  })

  it('treats a clock skewed into the future as now', () => {
    expect(formatAge(now + 5 * min, now, 'en')).toBe('now')
  })
})

describe('formatDay', () => {
  it('says today and yesterday in words', () => {
    expect(formatDay(now - 60 * min, now, 'en')).toBe('Today')
    expect(formatDay(now - 24 * 60 * min, now, 'en')).toBe('Yesterday')
    expect(formatDay(now - 24 * 60 * min, now, 'zh-CN')).toBe('昨天')
  })

  it('detects day boundaries', () => {
    expect(isNewDay(new Date(2026, 10, 27, 23, 59).getTime(), new Date(2026, 10, 28, 0, 1).getTime())).toBe(true)
    expect(isNewDay(now - min, now)).toBe(false)
  })
})
