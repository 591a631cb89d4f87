import type {
  ApiErrorBody,
  ApiErrorCode,
  ApiEvent,
  ApiEventPage,
  ApiExecution,
  ApiExecutionPage,
  ApiExecutionStatus,
  ApiFieldIssue,
  ApiProblem,
  ApiSignalRequest,
  ApiStartRequest,
  ApiWorkflowDetail,
  ApiWorkflowSummary,
} from './types.js'

/** An error answer of the API (`{ error: { code, message } }`), or a network failure (`code` NETWORK). */
export class ApiError extends Error {
  readonly code: ApiErrorCode | 'NETWORK'
  readonly status: number
  readonly problems: readonly ApiProblem[]
  readonly issues: readonly ApiFieldIssue[]

  constructor(status: number, body: ApiErrorBody['error'] | { code: 'NETWORK'; message: string }) {
    super(body.message)
    this.name = 'ApiError'
    this.status = status
    this.code = body.code
    this.problems = 'problems' in body ? (body.problems ?? []) : []
    this.issues = 'issues' in body ? (body.issues ?? []) : []
  }
}

/** What to show a person for a failed call: the API's message, with the fields it names for a bad request. */
export function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  if (!(error instanceof ApiError) || error.issues.length === 0) return error.message
  return `${error.message} (${error.issues.map((i) => `${i.path}: ${i.message}`).join('; ')})`
}

const TOKEN_KEY = 'trellis.token'

/** Dispatched on `window` when the server answers 401: the page asks for a token. */
export const UNAUTHORIZED_EVENT = 'trellis:unauthorized'

/** The bearer token kept in this browser, for a server bound beyond loopback. */
export function storedToken(): string | null {
  return localStorage.getItem(TOKEN_KEY)
}

export function storeToken(token: string | null): void {
  if (token === null || token === '') localStorage.removeItem(TOKEN_KEY)
  else localStorage.setItem(TOKEN_KEY, token)
}

/** Request headers every call sends: the token when there is one. */
export function authHeaders(): Record<string, string> {
  const token = storedToken()
  return token === null ? {} : { authorization: `Bearer ${token}` }
}

async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  let response: Response
  try {
    response = await fetch(path, {
      method,
      headers: {
        accept: 'application/json',
        ...authHeaders(),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    })
  } catch (error) {
    if (signal?.aborted === true) throw error
    throw new ApiError(0, { code: 'NETWORK', message: 'The server cannot be reached.' })
  }
  const text = await response.text()
  const json: unknown = text === '' ? null : parseJson(text)
  if (!response.ok) {
    if (response.status === 401) window.dispatchEvent(new Event(UNAUTHORIZED_EVENT))
    const error = (json as Partial<ApiErrorBody> | null)?.error
    throw new ApiError(
      response.status,
      error ?? { code: 'INTERNAL', message: `The server answered ${response.status} ${response.statusText}.` },
    )
  }
  return json as T
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

function path(strings: TemplateStringsArray, ...values: string[]): string {
  return strings.reduce((out, s, i) => out + s + (i < values.length ? encodeURIComponent(values[i]!) : ''), '')
}

/** Filters of the executions list (all optional). */
export interface ExecutionQuery {
  readonly status?: ApiExecutionStatus
  readonly workflow?: string
  /** Only ids that start with this (case-sensitive). */
  readonly id_prefix?: string
  readonly limit?: number
  readonly cursor?: string
}

function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== '') search.set(key, String(value))
  const text = search.toString()
  return text === '' ? '' : `?${text}`
}

/** The HTTP API, one function per route. */
export const api = {
  workflows: (signal?: AbortSignal) => request<ApiWorkflowSummary[]>('GET', '/api/workflows', undefined, signal),
  workflow: (name: string, signal?: AbortSignal) =>
    request<ApiWorkflowDetail>('GET', path`/api/workflows/${name}`, undefined, signal),
  registerWorkflow: (source: string) => request<ApiWorkflowDetail>('POST', '/api/workflows', { source }),
  executions: (q: ExecutionQuery, signal?: AbortSignal) =>
    request<ApiExecutionPage>('GET', `/api/executions${query({ ...q })}`, undefined, signal),
  execution: (id: string, signal?: AbortSignal) =>
    request<ApiExecution>('GET', path`/api/executions/${id}`, undefined, signal),
  executionWorkflow: (id: string, signal?: AbortSignal) =>
    request<ApiWorkflowDetail>('GET', path`/api/executions/${id}/workflow`, undefined, signal),
  events: (id: string, after: number, signal?: AbortSignal) =>
    request<ApiEventPage>('GET', path`/api/executions/${id}/events` + query({ after }), undefined, signal),
  start: (body: ApiStartRequest) => request<ApiExecution>('POST', '/api/executions', body),
  signal: (id: string, body: ApiSignalRequest) =>
    request<ApiExecution>('POST', path`/api/executions/${id}/signal`, body),
  pause: (id: string) => request<ApiExecution>('POST', path`/api/executions/${id}/pause`, {}),
  resume: (id: string) => request<ApiExecution>('POST', path`/api/executions/${id}/resume`, {}),
  cancel: (id: string) => request<ApiExecution>('POST', path`/api/executions/${id}/cancel`, {}),
  retry: (id: string) => request<ApiExecution>('POST', path`/api/executions/${id}/retry`, {}),
}

/** Every event of an execution with `seq > after`, page after page. */
export async function allEvents(id: string, after: number, signal?: AbortSignal): Promise<ApiEvent[]> {
  const events: ApiEvent[] = []
  let from = after
  for (;;) {
    const page = await api.events(id, from, signal)
    events.push(...page.events)
    if (!page.has_more || page.events.length === 0) return events
    from = page.last_seq
  }
}
