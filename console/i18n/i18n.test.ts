import { describe, expect, it } from 'vitest'
import { pickLocale, translator } from './i18n.ts'
import { en, zhCN } from './messages.ts'

describe('pickLocale', () => {
  it('takes the first language we speak, in the browser order', () => {
    expect(pickLocale(['zh-CN', 'en-US'])).toBe('zh-CN')
    expect(pickLocale(['en-GB', 'zh-CN'])).toBe('en')
    expect(pickLocale(['fr-FR', 'zh-TW', 'en'])).toBe('zh-CN')
    expect(pickLocale(['zh-Hant-HK'])).toBe('zh-CN')
    expect(pickLocale(['ZH'])).toBe('zh-CN')
  })

  it('falls back to English', () => {
    expect(pickLocale([])).toBe('en')
    expect(pickLocale(['de-DE', 'ja'])).toBe('en')
    expect(pickLocale(['zhx'])).toBe('en')
  })
})

describe('translator', () => {
  it('fills placeholders and leaves unknown ones', () => {
    expect(translator('en')('login.error.rateLimited', { seconds: 30 })).toBe('Too many attempts. Try again in 30 s.')
    expect(translator('zh-CN')('visitor.anonymous', { id: 'A1B2' })).toBe('访客 A1B2')
    expect(translator('en')('visitor.anonymous')).toBe('Visitor {id}')
  })

  it('has every key translated, with the same placeholders', () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(zhCN[key], key).toBeTruthy()
      expect(names(zhCN[key]), key).toEqual(names(en[key]))
    }
  })
})
