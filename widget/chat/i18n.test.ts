import { describe, expect, it } from 'vitest'
import { $locale, $t, formatTime, pickLocale, setLocale } from './i18n.ts'

describe('i18n', () => {
  it('picks Simplified Chinese for any zh tag and English otherwise', () => {
    expect(pickLocale(['zh-CN', 'en'])).toBe('zh-CN')
    expect(pickLocale(['zh'])).toBe('zh-CN')
    expect(pickLocale(['zh-Hans-SG'])).toBe('zh-CN')
    expect(pickLocale(['fr-FR', 'zh-TW'])).toBe('zh-CN')
    expect(pickLocale(['en-GB', 'zh-CN'])).toBe('en')
    expect(pickLocale(['de'])).toBe('en')
    expect(pickLocale([])).toBe('en')
  })

  it('setLocale switches the strings', () => {
    setLocale('zh-CN')
    expect($locale.get()).toBe('zh-CN')
    expect($t.get().send).toBe('发送')
    setLocale('en')
    expect($t.get().send).toBe('Send')
  })

  it('formats times with Intl', () => {
    const now = Date.UTC(2026, 10, 28, 12, 0)
    expect(formatTime(now - 60_000, 'en', now)).toMatch(/\d{1,2}:\d{2}/)
    expect(formatTime(now - 30 * 86_400_000, 'en', now)).toMatch(/Oct/)
  })
})
