// The widget's linkify, shared so both sides link exactly the same runs (and stop at CJK text).
import { linkify } from '../../widget/chat/linkify.ts'

/** User text as text; only http(s) links become anchors, opened in a new tab without an opener. */
export function RichText({ text }: { text: string }) {
  return (
    <>
      {linkify(text).map((part, i) =>
        typeof part === 'string' ? (
          part
        ) : (
          <a key={i} href={part.href} target="_blank" rel="noopener noreferrer">
            {part.text}
          </a>
        ),
      )}
    </>
  )
}
