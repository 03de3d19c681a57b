import { describe, expect, it } from 'vitest'
import { translator } from '../i18n/i18n.ts'
import { initials, shortId, visitorLabel } from './names.ts'

describe('names', () => {
  it('labels anonymous visitors with a short id', () => {
    expect(shortId('v_01HX-9f3a')).toBe('9F3A')
    expect(visitorLabel({ visitorName: null, visitorId: 'abc-12ef' }, translator('en'))).toBe('Visitor 12EF')
    expect(visitorLabel({ visitorName: '  ', visitorId: 'abc-12ef' }, translator('zh-CN'))).toBe('访客 12EF')
    expect(visitorLabel({ visitorName: '王小明', visitorId: 'x' }, translator('en'))).toBe('王小明')
  })

  it('makes initials from Latin and CJK names', () => {
    expect(initials('Ada Lovelace')).toBe('AL')
    expect(initials('王小明')).toBe('王')
    expect(initials(null)).toBe('?')
  })
})
