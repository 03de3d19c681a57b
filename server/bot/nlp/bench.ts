// Timings and accuracy of the NLP pieces on the shop fixtures: `npx tsx server/bot/nlp/bench.ts`.
// Not a test (no timing asserts in tests); the numbers go in README.md.
import { RECOMMENDED_MIN_CONFIDENCE, trainClassifier } from './classifier.ts'
import { extractEntities } from './entities.ts'
import { OUT_OF_SCOPE, SHOP_HELD_OUT, SHOP_TRAINING } from './fixtures.ts'
import { analyzeSentiment } from './sentiment.ts'
import { tokenize } from './tokenize.ts'

const ROUNDS = 200

/** Median of `rounds` runs of fn, in ms. */
function median(rounds: number, fn: () => void): number {
  const times: number[] = []
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now()
    fn()
    times.push(performance.now() - t0)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]!
}

const first = performance.now()
tokenize('预热 warm-up')
const warm = performance.now() - first

const texts = [...Object.values(SHOP_TRAINING).flat(), ...SHOP_HELD_OUT.map((p) => p.text)]
const trainingTexts = Object.entries(SHOP_TRAINING).flatMap(([intent, phrases]) => phrases.map((text) => ({ intent, text })))
// About 100 examples: the training phrases plus the first held-out ones (for timing only).
const hundred = [...trainingTexts, ...SHOP_HELD_OUT.slice(0, 100 - trainingTexts.length)]
const tokenized = hundred.map((e) => ({ intent: e.intent, tokens: tokenize(e.text) }))

const trainMs = median(ROUNDS, () => trainClassifier(tokenized))
const trainWithTokenizeMs = median(ROUNDS, () => trainClassifier(hundred.map((e) => ({ intent: e.intent, tokens: tokenize(e.text) }))))

const classifier = trainClassifier(trainingTexts.map((e) => ({ intent: e.intent, tokens: tokenize(e.text) })))
const messageTokens = texts.map(tokenize)
const perMessage = (fn: (i: number) => void) => median(ROUNDS, () => messageTokens.forEach((_, i) => fn(i))) / messageTokens.length
const tokenizeUs = perMessage((i) => tokenize(texts[i]!)) * 1000
const classifyUs = perMessage((i) => classifier.classify(messageTokens[i]!)) * 1000
const sentimentUs = perMessage((i) => analyzeSentiment(messageTokens[i]!)) * 1000
const entitiesUs = perMessage((i) => extractEntities(texts[i]!, { orderPattern: 'KF\\d{8}', now: Date.now(), timeZone: 'Asia/Shanghai' })) * 1000

const hits = SHOP_HELD_OUT.filter((p) => classifier.classify(tokenize(p.text))[0]?.intent === p.intent).length
const confident = SHOP_HELD_OUT.filter((p) => (classifier.classify(tokenize(p.text))[0]?.confidence ?? 0) >= RECOMMENDED_MIN_CONFIDENCE).length
const oos = OUT_OF_SCOPE.map((t) => classifier.classify(tokenize(t))[0]?.confidence ?? 0)
const held = SHOP_HELD_OUT.map((p) => classifier.classify(tokenize(p.text))[0]?.confidence ?? 0)

console.log(`first tokenize (loads ICU's segmenter): ${warm.toFixed(1)} ms`)
console.log(`train ${hundred.length} examples: ${trainMs.toFixed(2)} ms (tokens given), ${trainWithTokenizeMs.toFixed(2)} ms (tokenizing too)`)
console.log(`per message: tokenize ${tokenizeUs.toFixed(1)} µs, classify ${classifyUs.toFixed(1)} µs, sentiment ${sentimentUs.toFixed(1)} µs, entities ${entitiesUs.toFixed(1)} µs`)
console.log(`held-out accuracy: ${hits}/${SHOP_HELD_OUT.length} = ${((hits / SHOP_HELD_OUT.length) * 100).toFixed(1)} %`)
console.log(`held-out at or above ${RECOMMENDED_MIN_CONFIDENCE}: ${confident}/${SHOP_HELD_OUT.length}; lowest ${Math.min(...held).toFixed(2)}`)
console.log(`out-of-scope best confidence: max ${Math.max(...oos).toFixed(2)} (${OUT_OF_SCOPE.length} phrases)`)
