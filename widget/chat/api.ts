import * as v from 'valibot'

/** JSON over fetch to Kefu's own `/api`. Failures throw an `ApiError` carrying the HTTP status and code. */
export type ApiError = Error & { status: number; code: string }

export async function api<T>(path: string, opts: { body?: unknown; token?: string | null } = {}): Promise<T> {
  const headers: Record<string, string> = {}
  if (opts.body !== undefined) headers['content-type'] = 'application/json'
  if (opts.token) headers.authorization = `Bearer ${opts.token}`
  let res: Response
  try {
    res = await fetch(path, {
      method: opts.body === undefined ? 'GET' : 'POST',
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      credentials: 'omit',
    })
  } catch (cause) {
    throw apiError(0, 'network', String(cause))
  }
  const data = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null
  if (!res.ok) throw apiError(res.status, data?.error?.code ?? 'http', data?.error?.message ?? res.statusText)
  return data as T
}

function apiError(status: number, code: string, message: string): ApiError {
  return Object.assign(new Error(message), { status, code })
}

/** Checks a response body against its protocol schema (safeParse: no ValiError class in the bundle). */
export function checked<S extends v.GenericSchema>(schema: S, data: unknown): v.InferOutput<S> {
  const result = v.safeParse(schema, data)
  if (!result.success) throw apiError(0, 'bad_response', 'unexpected response from the server')
  return result.output
}

export const isApiError = (e: unknown): e is ApiError => e instanceof Error && typeof (e as ApiError).status === 'number'
