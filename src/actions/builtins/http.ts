import { formatDuration, type JsonValue } from '../../util/index.js'
import { ActionError } from '../action-error.js'
import type { Action } from '../types.js'
import { abortError } from './abort.js'
import { describeValue, invalidInput, optionalDurationMs, optionalString, readWith } from './input.js'

/** What `http` returns. `headers` has lower-case names; `body` is parsed JSON when the response says it is JSON. */
export interface HttpOutput {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: JsonValue
}

const KNOWN_KEYS = ['url', 'method', 'headers', 'body', 'timeout'] as const
const BODY_SNIPPET_CHARS = 300

/**
 * `http`: sends a request with `fetch` and returns `{ status, headers, body }`. `method` defaults to GET; a `body`
 * string is sent as is, anything else as JSON (with `content-type: application/json` unless `headers` sets one).
 * Fails with `HTTP_STATUS` for a status >= 400, `HTTP_REQUEST_FAILED` when no response came (DNS, refused, reset,
 * TLS), `HTTP_INVALID_JSON` when a JSON response does not parse, `TIMEOUT` when `timeout` passes, and the abort
 * reason when the attempt is aborted. Redirects are followed. Credentials in the URL (`https://user:pass@host/`) are
 * sent as basic authorization (fetch refuses them in the URL) and never shown in messages.
 */
export const http: Action<unknown, HttpOutput> = async (input, ctx) => {
  const record = readWith('http', input, KNOWN_KEYS)
  const url = readUrl(record)
  const method = (optionalString('http', record, 'method') ?? 'GET').toUpperCase()
  if (!/^[A-Z][A-Z0-9_-]*$/.test(method))
    throw invalidInput('http', `"method" ${JSON.stringify(method)} is not an HTTP method`)
  const headers = readHeaders(record['headers'])
  moveCredentials(url, headers)
  const body = encodeBody(record['body'], headers)
  if (body !== undefined && (method === 'GET' || method === 'HEAD')) {
    throw invalidInput('http', `a ${method} request cannot have a "body"; use POST, PUT or PATCH`)
  }
  const timeoutMs = optionalDurationMs('http', record, 'timeout')
  const target = `${method} ${url.href}`

  if (ctx.signal.aborted) throw abortError(ctx.signal)
  const timeout = timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs)
  const signal = timeout === undefined ? ctx.signal : AbortSignal.any([ctx.signal, timeout])
  const failed = (error: unknown): unknown => {
    if (ctx.signal.aborted) return abortError(ctx.signal)
    if (timeout?.aborted === true) {
      return new ActionError(
        'TIMEOUT',
        `http: ${target} did not finish within its timeout of ${formatDuration(timeoutMs ?? 0)}`,
      )
    }
    return new ActionError('HTTP_REQUEST_FAILED', `http: ${target} failed: ${networkReason(error)}`, { cause: error })
  }

  ctx.logger.debug({ method, url: url.href }, 'http: sending request')
  let response: Response
  let text: string
  try {
    response = await fetch(url, { method, headers, body, signal })
    text = await response.text()
  } catch (error) {
    throw failed(error)
  }

  const responseHeaders: Record<string, string> = {}
  for (const [name, value] of response.headers) {
    // set-cookie comes once per cookie; any repeated header is joined as HTTP allows
    const held = responseHeaders[name]
    responseHeaders[name] = held === undefined ? value : `${held}, ${value}`
  }
  if (response.status >= 400) {
    const reason = response.statusText === '' ? '' : ` ${response.statusText}`
    throw new ActionError('HTTP_STATUS', `http: ${target} answered ${response.status}${reason}${snippet(text)}`)
  }
  return { status: response.status, headers: responseHeaders, body: decodeBody(text, responseHeaders, target) }
}

function readUrl(record: Record<string, unknown>): URL {
  const text = optionalString('http', record, 'url')
  if (text === undefined || text === '') throw invalidInput('http', '"url" is required (an http:// or https:// URL)')
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw invalidInput('http', `"url" ${JSON.stringify(text)} is not a valid absolute URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidInput('http', `"url" must use http or https; got ${url.protocol}`)
  }
  return url
}

function readHeaders(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalidInput('http', `"headers" must be an object of header names to values; got ${describeValue(value)}`)
  }
  const headers: Record<string, string> = {}
  for (const [name, item] of Object.entries(value)) {
    if (item === null || item === undefined) continue
    if (typeof item === 'object')
      throw invalidInput('http', `header "${name}" must be text; got ${describeValue(item)}`)
    headers[name.toLowerCase()] = String(item)
  }
  return headers
}

/** fetch refuses URLs with credentials; send them as basic authorization, as curl does, unless one is set. */
function moveCredentials(url: URL, headers: Record<string, string>): void {
  if (url.username === '' && url.password === '') return
  const user = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`
  headers['authorization'] ??= `Basic ${Buffer.from(user, 'utf8').toString('base64')}`
  url.username = ''
  url.password = ''
}

/** `with.body` as the request body; sets content-type for JSON unless the caller chose one. */
function encodeBody(value: unknown, headers: Record<string, string>): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string') return value
  headers['content-type'] ??= 'application/json'
  return JSON.stringify(value)
}

function decodeBody(text: string, headers: Record<string, string>, target: string): JsonValue {
  const type = headers['content-type'] ?? ''
  if (!/^application\/(?:[\w.+-]*\+)?json\b/i.test(type.trim())) return text
  if (text.trim() === '') return null
  try {
    return JSON.parse(text) as JsonValue
  } catch (error) {
    throw new ActionError(
      'HTTP_INVALID_JSON',
      `http: ${target} answered with content-type ${type} but the body is not JSON${snippet(text)}`,
      { cause: error },
    )
  }
}

/** The start of a response body, for messages. */
function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  if (flat === '') return ''
  return `: ${flat.length > BODY_SNIPPET_CHARS ? `${flat.slice(0, BODY_SNIPPET_CHARS)}...` : flat}`
}

/** Why fetch failed, from undici's `cause` chain (`connect ECONNREFUSED 127.0.0.1:1`) when there is one. */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: unknown } | null)?.cause
  if (cause !== null && typeof cause === 'object') {
    const message = (cause as { message?: unknown }).message
    const code = (cause as { code?: unknown }).code
    if (typeof message === 'string' && message !== '') {
      return typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message
    }
  }
  return error instanceof Error ? error.message : String(error)
}
