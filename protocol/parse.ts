import * as v from 'valibot'
import { ErrorCode } from './codes.ts'
import { ClientFrameSchema, ServerFrameSchema, VisitorServerFrameSchema, type ClientFrame, type ServerFrame, type VisitorServerFrame } from './frames.ts'
import { LIMITS } from './limits.ts'

export type ParseResult<T> =
  | { ok: true; frame: T }
  | { ok: false; code: ErrorCode; message: string; id: string | null }

type ClientFrameSchemaOption = (typeof ClientFrameSchema.options)[number]
// Each client frame type's own schema, so a frame is checked against it alone rather than `variant` trying the
// types in turn. Built on first use, so a browser bundle that only parses server frames does not keep them.
let clientSchemas: ReadonlyMap<string, ClientFrameSchemaOption> | undefined
const clientSchemaOf = (type: string): ClientFrameSchemaOption | undefined =>
  (clientSchemas ??= new Map(ClientFrameSchema.options.map((o) => [o.entries.type.literal, o]))).get(type)

function requestIdOf(raw: unknown): string | null {
  const id = (raw as { id?: unknown } | null)?.id
  return typeof id === 'string' && id.length <= LIMITS.requestIdMax ? id : null
}

function decode(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** Parses one inbound client frame: size, JSON, known type, then schema. Never throws. */
export function parseClientFrame(text: string, byteLength: number): ParseResult<ClientFrame> {
  if (byteLength > LIMITS.frameBytesMax) {
    return { ok: false, code: ErrorCode.TooLarge, message: `frame over ${LIMITS.frameBytesMax} bytes`, id: null }
  }
  const raw = decode(text)
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, code: ErrorCode.BadFrame, message: 'frame must be a JSON object', id: null }
  }
  const id = requestIdOf(raw)
  const type = (raw as { type?: unknown }).type
  const schema = typeof type === 'string' ? clientSchemaOf(type) : undefined
  if (!schema) {
    return { ok: false, code: ErrorCode.UnknownType, message: `unknown frame type: ${String(type).slice(0, 32)}`, id }
  }
  const result = v.safeParse(schema, raw)
  if (result.success) return { ok: true, frame: result.output as ClientFrame }
  const issue = result.issues[0]
  const tooLong = issue.type === 'max_length'
  return {
    ok: false,
    code: tooLong ? ErrorCode.TooLarge : ErrorCode.BadFrame,
    message: `${v.getDotPath(issue) ?? 'frame'}: ${issue.message}`,
    id,
  }
}

/** Parses one inbound server frame on the client. Returns null for anything malformed. */
export function parseServerFrame(text: string): ServerFrame | null {
  const result = v.safeParse(ServerFrameSchema, decode(text))
  return result.success ? result.output : null
}

/** The widget's parser: only frames visitors receive (agent-only ones come back null), without their schemas. */
export function parseVisitorFrame(text: string): VisitorServerFrame | null {
  const result = v.safeParse(VisitorServerFrameSchema, decode(text))
  return result.success ? result.output : null
}
