import { describe, expect, it } from 'vitest'
import { embedStorageKey, parseHostMessage } from '../protocol/index.ts'

describe('loader → iframe messages', () => {
  it('accepts what the loader sends', () => {
    expect(parseHostMessage({ type: 'init', session: 'tok', open: false, locale: null })).toEqual({ type: 'init', session: 'tok', open: false, locale: null })
    expect(parseHostMessage({ type: 'panel', open: true })).toEqual({ type: 'panel', open: true })
    expect(parseHostMessage({ type: 'identify', token: 'a.b.c' })?.type).toBe('identify')
    expect(parseHostMessage({ type: 'attributes', attributes: { plan: 'gold', cart: 3, vip: true } })?.type).toBe('attributes')
    expect(parseHostMessage({ type: 'locale', locale: 'zh-CN' })?.type).toBe('locale')
  })

  it('drops anything else a host page may post to its frames', () => {
    for (const data of [
      null,
      'init',
      { type: 'init', session: 1, open: false, locale: null },
      { type: 'identify', token: '' },
      { type: 'attributes', attributes: { nested: { no: 1 } } },
      { type: 'eval', code: 'alert(1)' },
      { source: 'react-devtools', payload: {} },
    ]) {
      expect(parseHostMessage(data)).toBeNull()
    }
  })

  it('keys the host-page session by site', () => {
    expect(embedStorageKey('demo')).toBe('kefu:demo')
  })
})
