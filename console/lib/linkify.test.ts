import { describe, expect, it } from 'vitest'
import { linkify } from './linkify.ts'

describe('linkify', () => {
  it('leaves plain text alone', () => {
    expect(linkify('你好，我的订单号是 12345')).toEqual([{ kind: 'text', text: '你好，我的订单号是 12345' }])
  })

  it('finds http, https and www links and trims sentence punctuation', () => {
    expect(linkify('see https://shop.example.com/o/1. thanks')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://shop.example.com/o/1', href: 'https://shop.example.com/o/1' },
      { kind: 'text', text: '. thanks' },
    ])
    expect(linkify('打开 www.example.com。')).toEqual([
      { kind: 'text', text: '打开 ' },
      { kind: 'link', text: 'www.example.com', href: 'https://www.example.com/' },
      { kind: 'text', text: '。' },
    ])
    expect(linkify('(http://a.example/x)')[1]).toEqual({ kind: 'link', text: 'http://a.example/x', href: 'http://a.example/x' })
  })

  it('never links other schemes', () => {
    const parts = linkify('javascript:alert(1) data:text/html,<b>x</b> file:///etc/passwd')
    expect(parts.every((p) => p.kind === 'text')).toBe(true)
  })

  it('keeps markup as text', () => {
    expect(linkify('<img src=x onerror=alert(1)>')).toEqual([{ kind: 'text', text: '<img src=x onerror=alert(1)>' }])
  })
})
