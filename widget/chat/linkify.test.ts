import { describe, expect, it } from 'vitest'
import { linkify, safeHref } from './linkify.ts'

describe('linkify', () => {
  it('turns http(s) URLs into links and leaves the rest as text', () => {
    expect(linkify('see https://shop.example/orders/1. thanks')).toEqual([
      'see ',
      { href: 'https://shop.example/orders/1', text: 'https://shop.example/orders/1' },
      '. thanks',
    ])
    expect(linkify('no links here')).toEqual(['no links here'])
    expect(linkify('(http://a.example/x)')).toEqual(['(', { href: 'http://a.example/x', text: 'http://a.example/x' }, ')'])
    expect(linkify('wiki https://en.wikipedia.org/wiki/Foo_(bar) ok')[1]).toEqual({
      href: 'https://en.wikipedia.org/wiki/Foo_(bar)',
      text: 'https://en.wikipedia.org/wiki/Foo_(bar)',
    })
    expect(linkify('订单 https://shop.example/a。谢谢')).toEqual(['订单 ', { href: 'https://shop.example/a', text: 'https://shop.example/a' }, '。谢谢'])
  })

  it('never produces a link that is not http(s)', () => {
    for (const text of ['javascript:alert(1)', 'data:text/html,<script>', 'vbscript:x', 'JaVaScRiPt:alert(1)//https://x', 'file:///etc/passwd']) {
      for (const part of linkify(text)) {
        if (typeof part !== 'string') expect(part.href).toMatch(/^https?:\/\//)
      }
    }
    expect(linkify('<img src=x onerror=alert(1)>')).toEqual(['<img src=x onerror=alert(1)>'])
    expect(safeHref('javascript:alert(1)')).toBeNull()
    expect(safeHref('https://ok.example')).toBe('https://ok.example/')
  })
})
