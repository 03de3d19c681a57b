import { describe, expect, it } from 'vitest'
import { NEGATIVE_FROM, POSITIVE_FROM, analyzeSentiment } from './sentiment.ts'
import { tokenize } from './tokenize.ts'

const of = (text: string) => analyzeSentiment(tokenize(text))
const score = (text: string) => of(text).score
const label = (text: string) => of(text).label

describe('sentiment, Chinese', () => {
  it('reads plain praise and complaints', () => {
    expect(label('客服态度很好，谢谢')).toBe('positive')
    expect(label('你们就是骗子，垃圾')).toBe('negative')
    expect(label('我对你们的服务非常失望')).toBe('negative')
  })

  it('不满意 is negative although 满意 is positive', () => {
    expect(label('满意')).toBe('positive')
    expect(label('不满意')).toBe('negative')
    expect(label('不太满意')).toBe('negative')
    expect(score('很不满意')).toBeLessThan(score('不满意'))
  })

  it('不错 is praise (an idiom), 不好 is not', () => {
    expect(label('不错')).toBe('positive')
    expect(label('这个茶不错')).toBe('positive')
    expect(label('不好')).toBe('negative')
  })

  it('没有问题 / 没问题 is not negative', () => {
    expect(label('没有问题')).not.toBe('negative')
    expect(label('好的，没问题')).not.toBe('negative')
  })

  it('太慢了 is negative, 好慢 means "so slow"', () => {
    expect(label('太慢了')).toBe('negative')
    expect(score('太慢了')).toBeLessThan(score('慢'))
    expect(label('物流好慢啊')).toBe('negative')
  })

  it('非常好 is more positive than 好', () => {
    expect(score('非常好')).toBeGreaterThan(score('好'))
    expect(score('好')).toBeGreaterThan(0)
  })

  it('finds sentiment words inside longer segments and ignores neutral look-alikes', () => {
    expect(label('服务太差劲了')).toBe('negative')
    expect(of('快递什么时候到').matches).toEqual([]) // 快递 "express delivery", not 快 "fast"
    expect(label('你好')).toBe('neutral')
    expect(label('我要退款')).toBe('neutral')
    expect(label('不好意思，我想问一下运费')).toBe('neutral')
    expect(label('差不多可以了')).toBe('neutral')
  })

  it('a negation does not reach past the end of its clause', () => {
    expect(label('没收到货，很生气')).toBe('negative')
    expect(label('没收到货 很生气')).toBe('negative')
  })

  it('但是: the clause after it counts more', () => {
    expect(label('发货很快，但是客服态度很差')).toBe('negative')
    expect(label('有点贵，但是茶真的很好喝')).toBe('positive')
  })
})

describe('sentiment, English', () => {
  it('reads plain praise and complaints', () => {
    expect(label('Great service, thanks!')).toBe('positive')
    expect(label('This is a scam, worst shop ever')).toBe('negative')
    expect(label('I am so angry')).toBe('negative')
  })

  it('"not bad" is not negative, "not good" is', () => {
    expect(label('not bad')).not.toBe('negative')
    expect(label('not good')).toBe('negative')
    expect(label("it isn't good")).toBe('negative')
    expect(label("I don't like it")).toBe('negative')
    expect(label('no problem')).not.toBe('negative')
  })

  it('intensifiers scale: "very good" above "good", "extremely slow" below "slow"', () => {
    expect(score('very good')).toBeGreaterThan(score('good'))
    expect(score('extremely slow')).toBeLessThan(score('slow'))
    expect(score('a bit slow')).toBeGreaterThan(score('slow'))
  })

  it('"but": the clause after it counts more', () => {
    expect(label('the tea is great but delivery was terribly slow')).toBe('negative')
    expect(label('delivery was slow but the tea is great')).toBe('positive')
  })

  it('"I\'d like a refund" is a request, not praise', () => {
    expect(label("I'd like a refund")).toBe('neutral')
    expect(label('where is my order')).toBe('neutral')
  })
})

describe('sentiment result', () => {
  it('lists the entries that counted, negated ones marked', () => {
    expect(of('not good, but thanks').matches).toEqual(['not good', 'thanks'])
    expect(of('不太满意').matches).toEqual(['not 满意'])
  })

  it('emoji count', () => {
    expect(label('👍')).toBe('positive')
    expect(label('😡😡')).toBe('negative')
  })

  it('stays in [-1, 1] and labels by the documented thresholds', () => {
    for (const text of ['垃圾 垃圾 垃圾 骗子 骗子 太差了 气死了', 'great great great amazing perfect love it', '', '。。。']) {
      const s = of(text)
      expect(s.score).toBeGreaterThanOrEqual(-1)
      expect(s.score).toBeLessThanOrEqual(1)
      expect(s.label).toBe(s.score >= POSITIVE_FROM ? 'positive' : s.score <= NEGATIVE_FROM ? 'negative' : 'neutral')
    }
    expect(of('')).toEqual({ score: 0, label: 'neutral', matches: [] })
  })
})
