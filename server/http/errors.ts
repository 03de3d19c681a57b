import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import * as v from 'valibot'
import { ErrorCode, type ErrorBody } from '../../protocol/index.ts'

/** An expected failure with its wire body `{ error: { code, message } }`. */
export function apiError(status: ContentfulStatusCode, code: ErrorCode, message: string): HTTPException {
  const body: ErrorBody = { error: { code, message } }
  return new HTTPException(status, { message, res: Response.json(body, { status }) })
}

const STATUS_CODES: Record<number, ErrorCode> = {
  400: ErrorCode.BadRequest,
  401: ErrorCode.Unauthorized,
  403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound,
  409: ErrorCode.Conflict,
  413: ErrorCode.TooLarge,
  429: ErrorCode.RateLimited,
  503: ErrorCode.NotReady,
}
export const codeForStatus = (status: number): ErrorCode => STATUS_CODES[status] ?? ErrorCode.Internal

function firstIssue(issues: readonly v.BaseIssue<unknown>[]): string {
  const issue = issues[0]
  return issue ? `${v.getDotPath(issue) ?? 'body'}: ${issue.message}` : 'invalid'
}

/** Parses the JSON body against a schema; 400 bad_request otherwise. */
export async function parseBody<S extends v.GenericSchema>(c: Context, schema: S): Promise<v.InferOutput<S>> {
  let raw: unknown
  try {
    raw = await c.req.json()
  } catch {
    throw apiError(400, ErrorCode.BadRequest, 'body must be JSON')
  }
  const result = v.safeParse(schema, raw)
  if (!result.success) throw apiError(400, ErrorCode.BadRequest, firstIssue(result.issues))
  return result.output
}

/** Parses the query string against a schema; 400 bad_request otherwise. */
export function parseQuery<S extends v.GenericSchema>(c: Context, schema: S): v.InferOutput<S> {
  const result = v.safeParse(schema, c.req.query())
  if (!result.success) throw apiError(400, ErrorCode.BadRequest, firstIssue(result.issues))
  return result.output
}
