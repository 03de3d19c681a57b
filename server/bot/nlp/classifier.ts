import type { IntentClassifier, IntentScore, Token, TrainExample } from '../types.ts'

/** Weights of the two views of a message; a CJK bigram is a weaker clue than a whole word. */
/**
 * The confidence below which a message should count as "not understood" (the scripts' default `minConfidence`).
 * Measured on the shop fixtures: out-of-scope messages score at most 0.16, held-out paraphrases 0.34 and up
 * (96 % of them at or above 0.4).
 */
export const RECOMMENDED_MIN_CONFIDENCE = 0.4

const WORD_WEIGHT = 1
const BIGRAM_WEIGHT = 0.5
/**
 * A one-character Chinese word (在, 到, 退) is as weak a clue as a bigram: sharing only 在 made
 * 你们公司在招聘程序员吗 look like the greeting 在吗. Its bigrams (在吗, 退货) still carry it.
 */
const SINGLE_HAN_WEIGHT = 0.5
/** How much the best single example counts against the intent's centroid. */
const NEAREST_WEIGHT = 0.7
export const DEFAULT_LIMIT = 3

/** Sparse vector: feature → weight. */
type Vector = Map<string, number>

/**
 * TF-IDF with cosine similarity. Features are word tokens (English lightly stemmed, numbers folded into one
 * feature) plus character bigrams of Chinese runs, so 退款/退钱/退 or 收货地址 split two ways still overlap.
 * An intent's confidence is a blend of its nearest example and its centroid. Words never seen in training
 * count in the message's length with the highest IDF: a message mostly about other things scores low for
 * every intent, which makes the confidence absolute rather than relative.
 */
export function trainClassifier(examples: readonly TrainExample[]): IntentClassifier {
  const docs = examples.map((e) => ({ intent: e.intent, counts: featureCounts(e.tokens) }))
  const df = new Map<string, number>()
  for (const d of docs) for (const f of d.counts.keys()) df.set(f, (df.get(f) ?? 0) + 1)
  const n = docs.length
  // Smoothed IDF; an unseen feature gets the largest value, as if it occurred in no document.
  const idf = (f: string) => Math.log((n + 1) / ((df.get(f) ?? 0) + 1)) + 1

  const vectorOf = (counts: Map<string, number>): Vector => {
    const v: Vector = new Map()
    for (const [f, c] of counts) v.set(f, (1 + Math.log(c)) * idf(f) * weightOf(f))
    return unit(v)
  }

  const byIntent = new Map<string, Vector[]>()
  for (const d of docs) {
    const v = vectorOf(d.counts)
    if (v.size === 0) continue
    const list = byIntent.get(d.intent) ?? []
    list.push(v)
    byIntent.set(d.intent, list)
  }
  const intents = [...byIntent].map(([intent, vectors]) => ({ intent, vectors, centroid: unit(sum(vectors)) }))

  return {
    classify(tokens, limit = DEFAULT_LIMIT) {
      const q = vectorOf(featureCounts(tokens))
      const scores: IntentScore[] = intents.map(({ intent, vectors, centroid }) => {
        let nearest = 0
        for (const v of vectors) nearest = Math.max(nearest, dot(q, v))
        const similarity = NEAREST_WEIGHT * nearest + (1 - NEAREST_WEIGHT) * dot(q, centroid)
        return { intent, confidence: calibrate(similarity) }
      })
      return scores.sort((a, b) => b.confidence - a.confidence || a.intent.localeCompare(b.intent)).slice(0, limit)
    },
  }
}

const SINGLE_HAN_WORD = /^w:\p{Script=Han}$/u
const weightOf = (feature: string): number =>
  feature.startsWith('b:') ? BIGRAM_WEIGHT : SINGLE_HAN_WORD.test(feature) ? SINGLE_HAN_WEIGHT : WORD_WEIGHT

/**
 * Cosine similarity of two short messages rarely passes 0.6 even for close paraphrases, while messages about
 * other things stay under about 0.15. Stretching the low end (1 - (1 - s)³, monotone, 0 → 0 and 1 → 1) puts
 * the scripts' default `minConfidence` of 0.4 (similarity ≈ 0.16) in the gap between the two.
 */
export function calibrate(similarity: number): number {
  const s = Math.min(1, Math.max(0, similarity))
  return 1 - (1 - s) ** 3
}

const HAN = /\p{Script=Han}/u
const HAN_RUN = /\p{Script=Han}+/gu
const DIGIT = /\d/u
const LATIN_WORD = /^[a-z][a-z']*$/u

/** Feature counts of a message: `w:` words, `b:` bigrams of Chinese runs. */
export function featureCounts(tokens: readonly Token[]): Map<string, number> {
  const counts = new Map<string, number>()
  const add = (f: string) => counts.set(f, (counts.get(f) ?? 0) + 1)
  // Chinese words that touch form one run; anything else (space, punctuation, Latin) ends it.
  let joined = ''
  let lastEnd = -1
  for (const t of tokens) {
    if (!t.isWord || t.norm === '') continue
    const word = wordFeature(t.norm)
    if (word !== null) add(`w:${word}`)
    joined += (t.start === lastEnd && HAN.test(t.norm) ? '' : ' ') + (HAN.test(t.norm) ? t.norm : ' ')
    lastEnd = t.end
  }
  for (const run of joined.match(HAN_RUN) ?? []) {
    const chars = [...run]
    for (let i = 0; i + 1 < chars.length; i++) add(`b:${chars[i]}${chars[i + 1]}`)
  }
  return counts
}

// Function words say little about what a message is about, and sharing them made unrelated messages
// ("do you sell cars" vs "when do you open") look alike. Chinese bigrams still see them (在吗 stays a clue).
// "where", "when" and "much" stay: they tell order status, opening hours and prices apart.
const STOPWORDS = new Set([
  ...'的 了 吗 呢 吧 啊 呀 哦 嘛 么 我 我们 我的 你 你们 你的 您 您的 他 她 它 这 那 这个 那个 是 就 也 都 还 和 跟 与 请 请问 麻烦 一下 我想 我要 想 要 想要 能 可以 帮我 怎么 怎么样 什么'.split(' '),
  ...('a an the is are am was were be been being do does did have has had i me my mine you your yours we our us ' +
    'he she they them their it its this that these those there here to of for on in at by with from about as into ' +
    'and or but if so then than too also just please what how can could would will shall should may might must ' +
    'want need like get got some any all').split(' '),
])

/** The word a token counts as: null for function words, `#` for any number or code, English lightly stemmed. */
function wordFeature(norm: string): string | null {
  if (DIGIT.test(norm)) return '#' // an order number never repeats; that there is one is the clue
  const word = norm.replace(/’/gu, "'")
  if (!LATIN_WORD.test(word)) return STOPWORDS.has(word) ? null : word
  if (word.endsWith("n't")) return null // isn't, don't, hasn't: function words too
  const base = word.replace(/'(?:s|d|ll|m|re|ve)$/u, '')
  return STOPWORDS.has(base) ? null : stem(base)
}

/** Crude English suffix stripping: enough for refund/refunds/refunded, ship/shipping/shipped. */
export function stem(word: string): string {
  let w = word
  if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`
  else if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us')) w = w.slice(0, -1)
  for (const suffix of ['ing', 'ed']) {
    if (w.length > suffix.length + 2 && w.endsWith(suffix)) {
      w = w.slice(0, -suffix.length)
      // shipp → ship, but keep "ll"/"ss" (call, pass)
      if (/([^aeiouls])\1$/u.test(w)) w = w.slice(0, -1)
      break
    }
  }
  return w
}

function unit(v: Vector): Vector {
  let sq = 0
  for (const x of v.values()) sq += x * x
  if (sq === 0) return v
  const norm = Math.sqrt(sq)
  for (const [k, x] of v) v.set(k, x / norm)
  return v
}

function sum(vectors: readonly Vector[]): Vector {
  const out: Vector = new Map()
  for (const v of vectors) for (const [k, x] of v) out.set(k, (out.get(k) ?? 0) + x)
  return out
}

function dot(a: Vector, b: Vector): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a]
  let s = 0
  for (const [k, x] of small) s += x * (large.get(k) ?? 0)
  return s
}
