import { describe, expect, it } from 'vitest'
import type { IntentClassifier } from '../types.ts'
import { RECOMMENDED_MIN_CONFIDENCE, trainClassifier } from './classifier.ts'
import { OUT_OF_SCOPE, SHOP_HELD_OUT, SHOP_TRAINING, shopTrainingExamples } from './fixtures.ts'
import { normalize, tokenize } from './tokenize.ts'

const classifier = trainClassifier(shopTrainingExamples())
const best = (c: IntentClassifier, text: string) => c.classify(tokenize(text))[0]
const HAN = /\p{Script=Han}/u

/** Accuracy of `c` on phrases, with the misses listed so a failure shows what went wrong. */
function evaluate(c: IntentClassifier, phrases: ReadonlyArray<{ text: string; intent: string }>) {
  const misses: string[] = []
  const confusion = new Map<string, number>()
  for (const { text, intent } of phrases) {
    const got = best(c, text)
    if (got?.intent !== intent) {
      misses.push(`"${text}": expected ${intent}, got ${got?.intent} (${got?.confidence.toFixed(2)})`)
      const key = `${intent} → ${got?.intent}`
      confusion.set(key, (confusion.get(key) ?? 0) + 1)
    }
  }
  const accuracy = 1 - misses.length / phrases.length
  const report = `accuracy ${(accuracy * 100).toFixed(1)} % on ${phrases.length}\nconfusion: ${JSON.stringify(Object.fromEntries(confusion))}\n${misses.join('\n')}`
  return { accuracy, report }
}

describe('the shop fixtures', () => {
  it('keep held-out and out-of-scope phrases apart from the training phrases', () => {
    const training = new Set(Object.values(SHOP_TRAINING).flat().map(normalize))
    expect(SHOP_HELD_OUT.filter((p) => training.has(normalize(p.text)))).toEqual([])
    expect(OUT_OF_SCOPE.filter((p) => training.has(normalize(p)))).toEqual([])
    expect(SHOP_HELD_OUT.length).toBeGreaterThanOrEqual(40)
    expect(OUT_OF_SCOPE.length).toBeGreaterThanOrEqual(10)
    // Both languages, for every intent.
    for (const intent of Object.keys(SHOP_TRAINING)) {
      const phrases = SHOP_HELD_OUT.filter((p) => p.intent === intent)
      expect(phrases.some((p) => HAN.test(p.text)) && phrases.some((p) => !HAN.test(p.text)), intent).toBe(true)
    }
  })
})

describe('intent classifier', () => {
  it('classifies held-out paraphrases it never saw with at least 85 % accuracy, in Chinese and in English', () => {
    const all = evaluate(classifier, SHOP_HELD_OUT)
    expect(all.accuracy, all.report).toBeGreaterThanOrEqual(0.85)
    const zh = evaluate(classifier, SHOP_HELD_OUT.filter((p) => HAN.test(p.text)))
    const en = evaluate(classifier, SHOP_HELD_OUT.filter((p) => !HAN.test(p.text)))
    expect(zh.accuracy, zh.report).toBeGreaterThanOrEqual(0.85)
    expect(en.accuracy, en.report).toBeGreaterThanOrEqual(0.85)
  })

  it('is confident about in-scope paraphrases and not about messages the shop does not handle', () => {
    const low = OUT_OF_SCOPE.map((text) => ({ text, top: best(classifier, text) })).filter((r) => (r.top?.confidence ?? 0) >= RECOMMENDED_MIN_CONFIDENCE)
    expect(low.map((r) => `${r.text}: ${r.top?.intent} ${r.top?.confidence.toFixed(2)}`)).toEqual([])
    const confident = SHOP_HELD_OUT.filter((p) => (best(classifier, p.text)?.confidence ?? 0) >= RECOMMENDED_MIN_CONFIDENCE)
    expect(confident.length / SHOP_HELD_OUT.length).toBeGreaterThanOrEqual(0.9)
  })

  it('is very confident about the training phrases themselves', () => {
    for (const [intent, phrases] of Object.entries(SHOP_TRAINING)) {
      for (const text of phrases) {
        const top = best(classifier, text)
        expect(top?.intent, text).toBe(intent)
        expect(top?.confidence, text).toBeGreaterThan(0.8)
      }
    }
  })

  it('recognises an order-number message whatever the number (numbers are one feature)', () => {
    expect(best(classifier, '订单号KF99990000现在在哪里')?.intent).toBe('order_status')
    expect(best(classifier, '订单号KF99990000现在在哪里')?.confidence).toBeGreaterThan(0.9)
  })

  it('matches Chinese even when the words are segmented differently (character bigrams)', () => {
    // 收件地址 vs 收货地址: different words, shared bigram 地址; 退掉 shares no word with the training phrases.
    expect(best(classifier, '我想换个收件地址')?.intent).toBe('change_address')
    expect(best(classifier, '这件衣服想退掉')?.intent).toBe('return_refund')
  })

  it('ranks best first, at most `limit`, confidences in [0, 1]', () => {
    const ranking = classifier.classify(tokenize('运费多少钱？包邮吗'), 5)
    expect(ranking).toHaveLength(5)
    expect(ranking[0]?.intent).toBe('shipping_cost')
    for (let i = 1; i < ranking.length; i++) expect(ranking[i]!.confidence).toBeLessThanOrEqual(ranking[i - 1]!.confidence)
    for (const r of ranking) expect(r.confidence >= 0 && r.confidence <= 1).toBe(true)
    expect(classifier.classify(tokenize('运费多少钱'))).toHaveLength(3)
  })

  it('gives zero confidence to a message with no words, and no ranking without examples', () => {
    expect(classifier.classify(tokenize('？！。。。')).every((r) => r.confidence === 0)).toBe(true)
    expect(trainClassifier([]).classify(tokenize('hello'))).toEqual([])
  })

  it('learns what the examples say, not keyword equality: another shop, other intents', () => {
    const tea = trainClassifier(
      [
        ['brewing', ['绿茶怎么泡', '水温多少度合适', 'how do I brew green tea', 'what water temperature for oolong']],
        ['storage', ['茶叶怎么保存', '要放冰箱吗', 'how should I store tea', 'does tea go off']],
      ].flatMap(([intent, texts]) => (texts as string[]).map((t) => ({ intent: intent as string, tokens: tokenize(t) }))),
    )
    expect(best(tea, '乌龙茶用多少度的水泡')?.intent).toBe('brewing')
    expect(best(tea, 'can I store it in the fridge')?.intent).toBe('storage')
  })
})
