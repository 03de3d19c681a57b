import { describe, expect, it } from 'vitest'
import { mergeMessages } from '../../widget/merge.ts'
import { msg } from './test-fixtures.ts'

const seqs = (list: readonly { seq: number }[]) => list.map((m) => m.seq)

describe('mergeMessages', () => {
  it('appends newer messages without reordering', () => {
    const list = [msg('a', 1), msg('a', 2)]
    expect(seqs(mergeMessages(list, [msg('a', 3), msg('a', 4)]))).toEqual([1, 2, 3, 4])
  })

  it('orders by seq whatever the arrival order (live frame before the REST page)', () => {
    const live = [msg('a', 7)]
    const page = [msg('a', 4), msg('a', 5), msg('a', 6)]
    expect(seqs(mergeMessages(live, page))).toEqual([4, 5, 6, 7])
    expect(seqs(mergeMessages([], [msg('a', 3), msg('a', 1), msg('a', 2)]))).toEqual([1, 2, 3])
  })

  it('dedupes by id (ack-built message, its echo, and a catch-up page)', () => {
    const list = [msg('a', 1), msg('a', 2)]
    const merged = mergeMessages(list, [msg('a', 2), msg('a', 1)])
    expect(merged).toBe(list)
    expect(seqs(mergeMessages(list, [msg('a', 2), msg('a', 3), msg('a', 3)]))).toEqual([1, 2, 3])
  })
})
