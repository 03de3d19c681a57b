import { describe, expect, it } from 'vitest'
import { ErrorCode } from './codes.ts'
import { LIMITS } from './limits.ts'
import { parseClientFrame, parseServerFrame, parseVisitorFrame } from './parse.ts'

const parse = (frame: unknown) => {
  const text = typeof frame === 'string' ? frame : JSON.stringify(frame)
  return parseClientFrame(text, Buffer.byteLength(text))
}

describe('parseClientFrame', () => {
  it('accepts a send and trims its text, Chinese included', () => {
    expect(parse({ type: 'send', id: 'r1', cid: 'c1', text: '  你好，我的订单呢？ ' })).toEqual({
      ok: true,
      frame: { type: 'send', id: 'r1', cid: 'c1', text: '你好，我的订单呢？' },
    })
  })

  it('names what is wrong with a stable code, and echoes the request id', () => {
    expect(parse('{not json')).toMatchObject({ ok: false, code: ErrorCode.BadFrame, id: null })
    expect(parse([1, 2])).toMatchObject({ ok: false, code: ErrorCode.BadFrame })
    expect(parse({ type: 'shout', id: 'r2' })).toMatchObject({ ok: false, code: ErrorCode.UnknownType, id: 'r2' })
    expect(parse({ type: 'send', id: 'r3', cid: 'c', text: '   ' })).toMatchObject({ ok: false, code: ErrorCode.BadFrame, id: 'r3' })
    expect(parse({ type: 'read', conv: 'x', seq: -1 })).toMatchObject({ ok: false, code: ErrorCode.BadFrame })
  })

  it('refuses text over the limit and frames over the byte limit as too_large', () => {
    const long = parse({ type: 'send', id: 'r4', cid: 'c', text: '字'.repeat(LIMITS.textMax + 1) })
    expect(long).toMatchObject({ ok: false, code: ErrorCode.TooLarge, id: 'r4' })
    expect(parse({ type: 'send', id: 'r5', cid: 'c', text: '字'.repeat(LIMITS.textMax) }).ok).toBe(true)
    const huge = JSON.stringify({ type: 'ping', id: 'p', pad: 'x'.repeat(LIMITS.frameBytesMax) })
    expect(parseClientFrame(huge, Buffer.byteLength(huge))).toMatchObject({ ok: false, code: ErrorCode.TooLarge })
  })
})

describe('parseServerFrame', () => {
  it('returns frames it knows and null for anything else', () => {
    expect(parseServerFrame('{"type":"pong","id":"p1"}')).toEqual({ type: 'pong', id: 'p1' })
    expect(parseServerFrame('{"type":"pong"}')).toBeNull()
    expect(parseServerFrame('nonsense')).toBeNull()
  })
})

describe('parseVisitorFrame', () => {
  it('reads what visitors receive and leaves agent-only frames out', () => {
    expect(parseVisitorFrame(JSON.stringify({ type: 'pong', id: 'p1' }))).toEqual({ type: 'pong', id: 'p1' })
    expect(parseVisitorFrame(JSON.stringify({ type: 'handoff', conv: 'c1', reason: 'low_confidence', at: 1 }))).toBeNull()
    expect(parseServerFrame(JSON.stringify({ type: 'handoff', conv: 'c1', reason: 'low_confidence', at: 1 }))).not.toBeNull()
  })
})
