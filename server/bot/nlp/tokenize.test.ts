import { describe, expect, it } from 'vitest'
import { normalize, tokenize } from './tokenize.ts'

const words = (text: string) => tokenize(text).filter((t) => t.isWord).map((t) => t.text)

describe('normalize', () => {
  it('folds full-width letters and digits, lower-cases, collapses whitespace', () => {
    expect(normalize('  ＡＢ１２  Hello\t\n世界 ')).toBe('ab12 hello 世界')
    expect(normalize('ＫＦ１２３４５６７８')).toBe('kf12345678')
    expect(normalize('转人工！')).toBe('转人工!')
  })
})

describe('tokenize', () => {
  it('splits Chinese into dictionary words, not characters', () => {
    expect(words('我的订单到哪了')).toEqual(['我的', '订单', '到', '哪', '了'])
    expect(words('你们几点开门')).toEqual(['你们', '几点', '开门'])
    expect(words('运费多少钱')).toContain('运费')
  })

  it('splits English on spaces and punctuation, keeping contractions whole', () => {
    expect(words("Where's my order? I don't know.")).toEqual(["Where's", 'my', 'order', 'I', "don't", 'know'])
  })

  it('handles mixed Chinese, English, numbers, emoji and punctuation', () => {
    const tokens = tokenize('订单KF12345678还没到，help! 😡 3.5kg')
    expect(tokens.filter((t) => t.isWord).map((t) => t.text)).toEqual(['订单', 'KF12345678', '还', '没', '到', 'help', '😡', '3.5kg'])
    expect(tokens.find((t) => t.text === '，')?.isWord).toBe(false)
    expect(tokens.find((t) => t.text === '!')?.isWord).toBe(false)
    expect(tokens.filter((t) => t.text === ' ').every((t) => !t.isWord)).toBe(true)
  })

  it('gives full-width text a half-width, lower-case norm', () => {
    const [token] = tokenize('ＡＢ１２')
    expect(token).toMatchObject({ text: 'ＡＢ１２', norm: 'ab12', isWord: true })
    expect(tokenize('Hello').map((t) => t.norm)).toEqual(['hello'])
  })

  it('offsets map back into the original text, covering every character once', () => {
    for (const text of ['我的订单到哪了', 'Hello, 世界！', 'ＡＢ１２ 订单 👨‍👩‍👧 ok', '', '  \n ']) {
      const tokens = tokenize(text)
      for (const t of tokens) expect(text.slice(t.start, t.end)).toBe(t.text)
      expect(tokens.map((t) => t.text).join('')).toBe(text)
      tokens.forEach((t, i) => expect(t.start).toBe(i === 0 ? 0 : tokens[i - 1]!.end))
    }
  })

  it('keeps an emoji sequence as one token (UTF-16 offsets, surrogate pairs intact)', () => {
    const tokens = tokenize('hi 👍🏽!')
    const thumb = tokens.find((t) => t.text.startsWith('👍'))
    expect(thumb).toMatchObject({ text: '👍🏽', start: 3, end: 7, isWord: true })
  })
})
