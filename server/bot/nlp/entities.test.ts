import { describe, expect, it } from 'vitest'
import { compileOrderPattern, extractEntities, type EntityOptions } from './entities.ts'

// 2026-11-28 10:00 in Shanghai (02:00 UTC), a Saturday.
const NOW = Date.UTC(2026, 10, 28, 2, 0)
const SHOP: EntityOptions = { orderPattern: 'KF\\d{8}', now: NOW, timeZone: 'Asia/Shanghai' }
const find = (text: string, options: Partial<EntityOptions> = {}) => extractEntities(text, { ...SHOP, ...options })
const values = (text: string, options: Partial<EntityOptions> = {}) => find(text, options).map((e) => `${e.type}:${e.value}`)

describe('phones', () => {
  it('finds Chinese mobiles written with spaces, dashes, +86 or 0086', () => {
    expect(values('我的手机是13800138000')).toEqual(['phone:13800138000'])
    expect(values('电话 138 0013 8000 或 139-1234-5678')).toEqual(['phone:13800138000', 'phone:13912345678'])
    expect(values('call me at +86 138-0013-8000')).toEqual(['phone:+8613800138000'])
    expect(values('0086 13800138000')).toEqual(['phone:+8613800138000'])
  })

  it('finds landlines, 400 numbers and international numbers', () => {
    expect(values('座机010-12345678，深圳(0755) 1234567')).toEqual(['phone:01012345678', 'phone:07551234567'])
    expect(values('热线 400-123-4567')).toEqual(['phone:4001234567'])
    expect(values('my number is +1 415 555 0132, or +44 20 7946 0958')).toEqual(['phone:+14155550132', 'phone:+442079460958'])
  })

  it('reads full-width digits and reports what the visitor typed', () => {
    const [phone] = find('手机：１３８００１３８０００')
    expect(phone).toEqual({ type: 'phone', value: '13800138000', text: '１３８００１３８０００', start: 3, end: 14 })
  })

  it('does not take part of a longer number, nor a short one', () => {
    expect(values('流水号 1380013800012345')).toEqual([])
    expect(values('我买了 12 件，花了 138 元')).toEqual([])
    expect(values('+1 23')).toEqual([])
  })
})

describe('emails', () => {
  it('finds emails in Chinese and English text, lower-cased', () => {
    expect(values('我的邮箱是Li.Na@QQ.com谢谢')).toEqual(['email:li.na@qq.com'])
    expect(values('mail john.smith+shop@example.co.uk.')).toEqual(['email:john.smith+shop@example.co.uk'])
    expect(values('邮箱：ｌｉ＠ｅｘａｍｐｌｅ．ｃｏｍ')).toEqual(['email:li@example.com'])
  })

  it('ignores things that only look a bit like an email', () => {
    expect(values('@客服 你好')).toEqual([])
    expect(values('user@localhost')).toEqual([])
  })
})

describe('orders', () => {
  it("uses the site's pattern (KF + 8 digits), also full-width", () => {
    const entities = find('订单KF12345678到哪了？还有ＫＦ８７６５４３２１')
    expect(entities.map((e) => [e.value, e.text, e.start, e.end])).toEqual([
      ['KF12345678', 'KF12345678', 2, 12],
      ['KF87654321', 'ＫＦ８７６５４３２１', 18, 28],
    ])
  })

  it("another site's pattern finds its own numbers and not the first site's", () => {
    const other = { orderPattern: '[A-Z]{2}-\\d{6}' }
    expect(values('where is order AB-123456 and KF12345678?', other)).toEqual(['order:AB-123456'])
    expect(values('where is order AB-123456 and KF12345678?')).toEqual(['order:KF12345678'])
  })

  it('does not cut an order number out of a longer code', () => {
    expect(values('KF123456789')).toEqual([])
    expect(values('XKF12345678')).toEqual([])
  })

  it("wins over a phone it resembles when the site's pattern matches it", () => {
    expect(values('order 13800138000', { orderPattern: '1\\d{10}' })).toEqual(['order:13800138000'])
    expect(values('order 13800138000', { orderPattern: null })).toEqual(['phone:13800138000'])
  })

  it('an email keeps an order-looking number inside it', () => {
    expect(values('12345678@qq.com 订单 87654321', { orderPattern: '\\d{8}' })).toEqual(['email:12345678@qq.com', 'order:87654321'])
  })

  it('no pattern, a bad pattern or one that matches empty strings finds no orders (and nothing breaks)', () => {
    expect(values('KF12345678', { orderPattern: null })).toEqual([])
    expect(values('KF12345678 138 0013 8000', { orderPattern: 'KF(\\d{8}' })).toEqual(['phone:13800138000'])
    expect(values('KF12345678', { orderPattern: '\\d*' })).toEqual([])
    expect(values('KF12345678', { orderPattern: 'KF|' })).toEqual([])
    expect(compileOrderPattern('KF(\\d{8}')).toBeNull()
    expect(compileOrderPattern('\\d*')).toBeNull()
  })

  it('accepts a pattern written for non-unicode regexes', () => {
    // `\-` outside a class is a syntax error with the u flag; the pattern still works without it.
    expect(values('单号AB-123456', { orderPattern: '[A-Z]{2}\\-\\d{6}' })).toEqual(['order:AB-123456'])
  })

  it('compiles each pattern once', () => {
    expect(compileOrderPattern('KF\\d{8}')).toBe(compileOrderPattern('KF\\d{8}'))
  })
})

describe('dates', () => {
  it('reads numeric and Chinese dates', () => {
    expect(values('2026-11-28 或 2026/12/01 或 2026.1.5')).toEqual(['date:2026-11-28', 'date:2026-12-01', 'date:2026-01-05'])
    expect(values('希望11月30日送到，最晚2027年1月2号')).toEqual(['date:2026-11-30', 'date:2027-01-02'])
  })

  it('reads English dates', () => {
    expect(values('deliver on Nov 30 or December 3rd, 2026')).toEqual(['date:2026-11-30', 'date:2026-12-03'])
    expect(values('by 28 Nov, or the 5th of January 2027')).toEqual(['date:2026-11-28', 'date:2027-01-05'])
    expect(values('on 11/28 please')).toEqual(['date:2026-11-28'])
  })

  it('reads relative days in the shop time zone', () => {
    expect(values('今天发货，明天到，后天不在家，昨天下单')).toEqual(['date:2026-11-28', 'date:2026-11-29', 'date:2026-11-30', 'date:2026-11-27'])
    expect(values('Ordered yesterday, arriving tomorrow? Today is fine.')).toEqual(['date:2026-11-27', 'date:2026-11-29', 'date:2026-11-28'])
  })

  it('counts "today" from the shop\'s day, not UTC: near midnight UTC Shanghai is already tomorrow', () => {
    const lateUtc = Date.UTC(2026, 10, 28, 17, 30) // 23:30 Nov 28 in London, 01:30 Nov 29 in Shanghai
    expect(values('明天能到吗', { now: lateUtc, timeZone: 'Asia/Shanghai' })).toEqual(['date:2026-11-30'])
    expect(values('明天能到吗', { now: lateUtc, timeZone: 'Europe/London' })).toEqual(['date:2026-11-29'])
    expect(values('today', { now: Date.UTC(2026, 11, 31, 20, 0), timeZone: 'Asia/Shanghai' })).toEqual(['date:2027-01-01'])
  })

  it('skips days that do not exist', () => {
    expect(values('2026-02-30 和 13月1日 和 2/31')).toEqual([])
  })
})

describe('all kinds together', () => {
  it('sorted by start, not overlapping, offsets into the original text', () => {
    const text = '您好，订单KF12345678明天能到吗？我的电话13800138000，邮箱a@b.cn'
    const entities = find(text)
    expect(entities.map((e) => e.type)).toEqual(['order', 'date', 'phone', 'email'])
    for (const e of entities) expect(text.slice(e.start, e.end)).toBe(e.text)
    entities.slice(1).forEach((e, i) => expect(e.start).toBeGreaterThanOrEqual(entities[i]!.end))
  })

  it('a message with nothing in it has no entities', () => {
    expect(find('你们几点开门？')).toEqual([])
    expect(find('')).toEqual([])
  })
})
