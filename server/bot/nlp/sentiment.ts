import type { Sentiment, Token } from '../types.ts'
import { CONTRASTS, INTENSIFIERS, NEGATORS, SENTIMENT } from './lexicon.ts'

/** A negated word counts this much, reversed: "not bad" is mildly good, "not good" is bad but not "terrible". */
const NEGATION_FACTOR = 0.75
/** A negator or intensifier reaches the next sentiment word across at most this many other words (Chinese: characters). */
const MODIFIER_WINDOW = 2
/** "Fast, but rude": the clause after "but" outweighs the one before. */
const CONTRAST_BEFORE = 0.5
const CONTRAST_AFTER = 1.5
/** 好 before another sentiment word means "so" (好慢 "so slow"), not "good". */
const HAO_INTENSITY = 1.5
/** Squashes the sum into (-1, 1): score = s / sqrt(s² + ALPHA). One plain "good" (1.9) ≈ 0.56. */
const ALPHA = 8
/** At or beyond these the label is positive / negative. */
export const POSITIVE_FROM = 0.25
export const NEGATIVE_FROM = -0.25

/** Pieces of a message as the lexicon sees them. */
type Piece =
  | { kind: 'word'; key: string; weight: number }
  | { kind: 'negator' }
  | { kind: 'intensifier'; factor: number }
  | { kind: 'contrast' }
  | { kind: 'break' }
  | { kind: 'other' }

const HAN = /\p{Script=Han}/u
const CLAUSE_END = /[,.!?;:，。！？；：…、\n]/u
const HAN_KEYS = [...Object.keys(SENTIMENT), ...NEGATORS, ...Object.keys(INTENSIFIERS), ...CONTRASTS].filter((k) => HAN.test(k))
const LONGEST_HAN = Math.max(...HAN_KEYS.map((k) => k.length))
const LONGEST_PHRASE = 3 // English entries have at most three words

/**
 * Lexicon-based sentiment of a message, Chinese and English. Negators flip the next sentiment word, intensifiers
 * scale it, "but"/"但是" makes the clause after it count more. Chinese is matched by longest entry inside the
 * text (不满意 is 不 + 满意 however the segmenter split it; 快递 is not 快). Score in [-1, 1].
 */
export function analyzeSentiment(tokens: readonly Token[]): Sentiment {
  const pieces = piecesOf(tokens)
  const matches: string[] = []
  let total = 0
  let clause = 1
  let negated = false
  let factor = 1
  let sinceNegator = 0
  let sinceIntensifier = 0
  const reset = () => {
    negated = false
    factor = 1
  }
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i]!
    const next = pieces[i + 1]
    switch (p.kind) {
      case 'break':
        reset()
        break
      case 'negator':
        negated = !negated
        sinceNegator = 0
        break
      case 'intensifier':
        factor *= p.factor
        sinceIntensifier = 0
        break
      case 'contrast':
        total *= CONTRAST_BEFORE
        clause = CONTRAST_AFTER
        reset()
        break
      case 'other':
        if (++sinceNegator > MODIFIER_WINDOW) negated = false
        if (++sinceIntensifier > MODIFIER_WINDOW) factor = 1
        break
      case 'word': {
        if (p.key === '好' && next?.kind === 'word' && next.weight !== 0) {
          factor *= HAO_INTENSITY
          sinceIntensifier = 0
          break
        }
        if (p.weight === 0) {
          // A neutral entry (快递, 你好) is an ordinary word here.
          if (++sinceNegator > MODIFIER_WINDOW) negated = false
          if (++sinceIntensifier > MODIFIER_WINDOW) factor = 1
          break
        }
        const value = p.weight * factor * (negated ? -NEGATION_FACTOR : 1)
        total += value * clause
        matches.push(negated ? `not ${p.key}` : p.key)
        reset()
        break
      }
      default: {
        const never: never = p
        throw new Error(`unknown piece ${String(never)}`)
      }
    }
  }
  const score = total === 0 ? 0 : total / Math.sqrt(total * total + ALPHA)
  const label = score >= POSITIVE_FROM ? 'positive' : score <= NEGATIVE_FROM ? 'negative' : 'neutral'
  return { score: Math.round(score * 1000) / 1000, label, matches }
}

function pieceOf(key: string): Piece | null {
  const weight = SENTIMENT[key]
  if (weight !== undefined) return { kind: 'word', key, weight }
  if (NEGATORS.has(key) || key.endsWith("n't")) return { kind: 'negator' }
  const factor = INTENSIFIERS[key]
  if (factor !== undefined) return { kind: 'intensifier', factor }
  if (CONTRASTS.has(key)) return { kind: 'contrast' }
  return null
}

/** Chinese text: the longest entry at each position (forward maximum matching); other characters are `other`. */
function hanPieces(run: string, out: Piece[]): void {
  let i = 0
  while (i < run.length) {
    let piece: Piece | null = null
    let length = Math.min(LONGEST_HAN, run.length - i)
    for (; length > 0 && piece === null; length--) piece = pieceOf(run.slice(i, i + length))
    if (piece === null) {
      out.push({ kind: 'other' })
      i += 1
    } else {
      out.push(piece)
      i += length + 1 // the loop decremented once past the match
    }
  }
}

function piecesOf(tokens: readonly Token[]): Piece[] {
  const out: Piece[] = []
  let han = '' // adjacent Chinese tokens, matched as one string
  let spaceAfterHan = false
  const flushHan = () => {
    if (han !== '') hanPieces(han, out)
    han = ''
  }
  const words: string[] = [] // the current run of English words, for phrases like "no problem"
  const flushWords = () => {
    let i = 0
    while (i < words.length) {
      let taken = 0
      for (let n = Math.min(LONGEST_PHRASE, words.length - i); n > 0 && taken === 0; n--) {
        const piece = pieceOf(words.slice(i, i + n).join(' '))
        if (piece) {
          out.push(piece)
          taken = n
        }
      }
      if (taken === 0) {
        out.push({ kind: 'other' })
        taken = 1
      }
      i += taken
    }
    words.length = 0
  }

  for (const t of tokens) {
    const norm = t.norm.replace(/’/gu, "'")
    if (norm === '') {
      // Whitespace: inside English it separates words; between Chinese phrases it ends a clause.
      if (han !== '') spaceAfterHan = true
      flushHan()
      continue
    }
    if (!t.isWord) {
      flushHan()
      flushWords()
      if (CLAUSE_END.test(norm)) out.push({ kind: 'break' })
      spaceAfterHan = false
      continue
    }
    if (HAN.test(norm)) {
      flushWords()
      if (spaceAfterHan && han === '') out.push({ kind: 'break' })
      spaceAfterHan = false
      han += norm
      continue
    }
    flushHan()
    spaceAfterHan = false
    words.push(norm)
  }
  flushHan()
  flushWords()
  return out
}
