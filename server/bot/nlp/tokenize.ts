import type { Token } from '../types.ts'

/**
 * NFKC (folds full-width ASCII such as `ＡＢ１２` and compatibility forms), lower-case, and runs of
 * whitespace collapsed to one space. What classifiers and keyword rules compare.
 */
export function normalize(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim()
}

// One segmenter for the process: building one loads ICU's dictionaries, which is far slower than using it.
// The `zh` locale selects the dictionary-based word breaker for Han text; Latin text is split the same in any locale.
const segmenter = new Intl.Segmenter('zh', { granularity: 'word' })

// Emoji are not "word-like" to ICU, but 👍 or 😡 carry meaning for intents and sentiment.
const EMOJI = /\p{Extended_Pictographic}/u

/**
 * Splits text into words (Chinese by dictionary, English by spaces and punctuation), numbers, emoji,
 * punctuation and spaces. `start`/`end` are UTF-16 offsets into `text`; `isWord` is false for
 * punctuation and whitespace. Every character of `text` is in exactly one token.
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  for (const { segment, index, isWordLike } of segmenter.segment(text)) {
    tokens.push({
      text: segment,
      norm: normalize(segment),
      start: index,
      end: index + segment.length,
      isWord: isWordLike === true || EMOJI.test(segment),
    })
  }
  return tokens
}
