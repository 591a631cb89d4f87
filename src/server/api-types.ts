import type { EventType, TrellisEvent } from '../events/index.js'

/**
 * The JSON the HTTP API answers with, as TypeScript types: the contract between `trellis serve` and its clients.
 * The web UI imports ONLY this file (`import type`), so it holds no runtime code and imports nothing but types.
 *
 * Spelling is the wire's: snake_case keys, ISO-8601 instants, exactly as `trellis status --json`,
 * `list --json` and `events --json` print them (cli.md, execution-model.md). docs/http-api.md shows examples.
 */

// --- statuses ---------------------------------------------------------------------------------------------

/** Execution statuses; the last three are terminal. */
export type ApiExecutionStatus = 'pending' | 'running' | 'suspended' | 'paused' | 'completed' | 'failed' | 'cancelled'

/** Step and iteration statuses. */
export type ApiStepStatus =
  'pending' | 'running' | 'retrying' | 'waiting' | 'paused' | 'completed' | 'failed' | 'skipped' | 'cancelled'

// --- executions -------------------------------------------------------------------------------------------

/** An error of a step or an iteration. `code` is stable (`ACTION_FAILED`, `TIMEOUT`, an action's own code, …). */
export interface ApiStepError {
  readonly code: string
  readonly message: string
}

/** An execution's error: the first unhandled failure, or an engine-level one (`step` null). */
export interface ApiExecutionError extends ApiStepError {
  readonly step: string | null
}

/** One `for_each` iteration. */
export interface ApiIteration {
  readonly index: number
  readonly status: ApiStepStatus
  readonly attempts: number
  readonly output: unknown
}

/** One step of an execution; `iterations` only for `for_each` steps. */
export interface ApiStep {
  readonly status: ApiStepStatus
  /** Attempts started over every run; 0 for a step that never started (and for sleep/wait/pause steps). */
  readonly attempts: number
  /** The step's output once completed, else null. */
  readonly output: unknown
  /** Set when the step failed, else null. */
  readonly error: ApiStepError | null
  readonly started_at: string | null
  readonly completed_at: string | null
  readonly iterations?: readonly ApiIteration[]
}

/**
 * The execution object: `GET /api/executions/:id`, `POST /api/executions` and the operator routes answer with it.
 * Identical to `trellis status ID --json`. `steps` lists every step of the definition, in file order.
 */
export interface ApiExecution {
  readonly id: string
  readonly workflow: string
  readonly status: ApiExecutionStatus
  /** Inputs with defaults applied. */
  readonly inputs: Readonly<Record<string, unknown>>
  /** `{}` until the execution completes. */
  readonly outputs: Readonly<Record<string, unknown>>
  readonly error: ApiExecutionError | null
  readonly created_at: string
  readonly started_at: string | null
  /** Set when (and only when) the execution is terminal. */
  readonly completed_at: string | null
  /** The parent execution of a child workflow's execution, else null. */
  readonly parent_id: string | null
  readonly parent_step: string | null
  readonly steps: Readonly<Record<string, ApiStep>>
}

/** One entry of the executions list (as `trellis list --json`). */
export interface ApiExecutionSummary {
  readonly id: string
  readonly workflow: string
  readonly status: ApiExecutionStatus
  readonly created_at: string
  readonly started_at: string | null
  readonly completed_at: string | null
  readonly parent_id: string | null
}

/** `GET /api/executions`: one page, newest first. Pass `next_cursor` as `?cursor=` for the next page. */
export interface ApiExecutionPage {
  readonly executions: readonly ApiExecutionSummary[]
  /** Null on the last page. */
  readonly next_cursor: string | null
}

/** `POST /api/executions` body. */
export interface ApiStartRequest {
  /** A registered workflow's name. */
  readonly workflow: string
  readonly inputs?: Readonly<Record<string, unknown>>
  /** Names the execution: starting again with the same id, workflow and inputs answers 200 with that execution. */
  readonly id?: string
}

/** `POST /api/executions/:id/signal` body. */
export interface ApiSignalRequest {
  readonly topic: string
  readonly data?: unknown
}

/** `POST /api/executions/:id/pause` and `/cancel` body (optional). */
export interface ApiReasonRequest {
  readonly reason?: string
}

// --- events -----------------------------------------------------------------------------------------------

/**
 * One event of an execution's log (execution-model.md), exactly as stored: `seq` runs 1, 2, 3 … per execution.
 * Narrow on `type` to get the typed `data`: `if (e.type === 'step.retrying') e.data.delay_ms`.
 */
export type ApiEvent<T extends EventType = EventType> = TrellisEvent<T>

export type { EventDataMap as ApiEventData, EventType as ApiEventType } from '../events/index.js'

/** `GET /api/executions/:id/events`: events with `seq > after`, in order. */
export interface ApiEventPage {
  readonly events: readonly ApiEvent[]
  /** The seq of the last event returned (or `after` when none): pass it as `after` for the next page. */
  readonly last_seq: number
  /** True when more events follow right now (the page was full). */
  readonly has_more: boolean
}

/**
 * Server-Sent Events.
 *
 * `GET /api/executions/:id/stream[?after=SEQ]` sends each event of the execution with `seq > after` (or
 * `> Last-Event-ID` on a reconnect) as an unnamed SSE message (`source.onmessage`): SSE `id` = the event's `seq`,
 * `data` = the {@link ApiEvent} as JSON. Nothing is missed or sent twice across a reconnect. After the terminal event
 * (`execution.completed`, `.failed`, `.cancelled`) it sends one message named `end` (data {@link ApiStreamEnd}) and
 * closes; the browser's EventSource would reconnect, so close it on `end`.
 *
 * `GET /api/stream` sends every execution's events as they are committed, same unnamed messages, live only (its
 * messages carry no SSE id; after a reconnect, reload lists with the REST routes).
 *
 * Both send a `: ping` comment every 15 s to keep proxies from closing the connection.
 */
export interface ApiStreamEnd {
  readonly execution_id: string
  readonly status: ApiExecutionStatus
  readonly last_seq: number
}

// --- workflows --------------------------------------------------------------------------------------------

/** Input types of a workflow's `inputs` section. */
export type ApiInputType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'any'

/** One declared input. `default` is absent when there is none. */
export interface ApiInputSpec {
  readonly type: ApiInputType
  readonly required: boolean
  readonly default?: unknown
  readonly description: string | null
}

/** `GET /api/workflows`: one entry per registered workflow, sorted by name. */
export interface ApiWorkflowSummary {
  readonly name: string
  readonly description: string | null
  readonly inputs: Readonly<Record<string, ApiInputSpec>>
  /** Number of steps. */
  readonly step_count: number
  /** The file it was loaded from, if any. */
  readonly file: string | null
}

/** The five step kinds. */
export type ApiStepKind = 'action' | 'workflow' | 'sleep' | 'wait' | 'pause'

/** How one step depends on another: `to` waits for `from` (`needs`, `needs_any`) or is started by it (transitions). */
export type ApiEdgeKind = 'needs' | 'needs_any' | 'on_success' | 'on_failure' | 'on_complete' | 'on_timeout'

/** A node of the step graph: one step of the definition, with what the UI needs to describe it. */
export interface ApiGraphNode {
  /** The step name (unique in the workflow). */
  readonly id: string
  readonly kind: ApiStepKind
  /** The action name (`kind: 'action'`), else null. */
  readonly action: string | null
  /** The child workflow reference (`kind: 'workflow'`), else null. */
  readonly workflow: string | null
  /** The sleep duration or its template (`kind: 'sleep'`), else null. */
  readonly sleep: string | number | null
  /** The signal topic template (`kind: 'wait'`), else null. */
  readonly signal: string | null
  /** The pause reason (`kind: 'pause'`), else null. */
  readonly reason: string | null
  /** Template source of `when`, else null. */
  readonly when: string | null
  /** Template source of `for_each`, else null. */
  readonly for_each: string | null
  readonly concurrency: number | null
  /** Total attempts allowed (1: no retry). */
  readonly max_attempts: number
  readonly timeout_ms: number | null
  /** For `wait` steps: how long to wait for the signal, else null. */
  readonly wait_timeout_ms: number | null
  readonly needs: readonly string[]
  readonly needs_any: readonly string[]
  /** 1-based line and column in the source, when known. */
  readonly line: number | null
  readonly column: number | null
}

/** An edge of the step graph. */
export interface ApiGraphEdge {
  readonly from: string
  readonly to: string
  readonly kind: ApiEdgeKind
}

/** The step graph: nodes in file order, edges in file order of the step that names them. */
export interface ApiGraph {
  readonly nodes: readonly ApiGraphNode[]
  readonly edges: readonly ApiGraphEdge[]
  /** Step names in a topological order (every step after all it depends on). */
  readonly order: readonly string[]
}

/**
 * `GET /api/workflows/:name`, `POST /api/workflows` and `GET /api/executions/:id/workflow` (the definition
 * snapshot that execution runs).
 */
export interface ApiWorkflowDetail extends ApiWorkflowSummary {
  readonly failure_policy: 'fail_fast' | 'continue'
  readonly timeout_ms: number | null
  /** Output templates as written. */
  readonly outputs: Readonly<Record<string, unknown>>
  readonly graph: ApiGraph
  /** The graph as a mermaid flowchart (as `trellis graph --format mermaid`). */
  readonly mermaid: string
  /** The definition as written (YAML or JSON), when this server has it; null otherwise. */
  readonly source: string | null
}

/** `POST /api/workflows` body when sent as JSON (text bodies are the YAML or JSON source itself). */
export interface ApiRegisterWorkflowRequest {
  /** The YAML or JSON source. */
  readonly source: string
}

// --- errors -----------------------------------------------------------------------------------------------

/**
 * Stable error codes of the API; each has exactly one HTTP status (docs/http-api.md has the table). The engine's
 * codes are all here; `BAD_REQUEST`, `UNAUTHORIZED`, `PAYLOAD_TOO_LARGE`, `UNSUPPORTED_MEDIA_TYPE` and
 * `UNAVAILABLE` are the HTTP layer's own.
 */
export type ApiErrorCode =
  | 'BAD_REQUEST' // 400: a body or query parameter does not fit the route's schema (see `issues`)
  | 'UNAUTHORIZED' // 401: missing or wrong bearer token
  | 'FORBIDDEN' // 403: a cross-site request, or a Host this server does not answer to
  | 'NOT_FOUND' // 404: no such execution, workflow or route
  | 'PAYLOAD_TOO_LARGE' // 413: body over 1 MB
  | 'UNSUPPORTED_MEDIA_TYPE' // 415
  | 'INVALID_STATE' // 409: the execution's status refuses the request (retry of a completed one, …)
  | 'CONFLICT' // 409: that execution id exists with another workflow or other inputs
  | 'LEASE_LOST' // 409
  | 'CANCELLED' // 409
  | 'INVALID_DEFINITION' // 422: see `problems`
  | 'INVALID_INPUT' // 422: inputs do not fit the workflow's declared inputs
  | 'INVALID_OPTION' // 400
  | 'EXPRESSION_ERROR' // 422
  | 'TIMEOUT' // 504
  | 'SCHEMA_TOO_NEW' // 503
  | 'STORE_UNAVAILABLE' // 503
  | 'UNAVAILABLE' // 503: the server is shutting down
  | 'ACTION_FAILED' // 500
  | 'INVALID_OUTPUT' // 500
  | 'OUTPUT_ERROR' // 500
  | 'INTERNAL' // 500: a bug; the server log has details

/** One problem of a workflow definition (422 `INVALID_DEFINITION`). */
export interface ApiProblem {
  /** Where in the definition, in file spelling: `steps.charge.needs[0]`; `''` for the whole file. */
  readonly path: string
  readonly message: string
  /** 1-based; null when unknown. */
  readonly line: number | null
  readonly column: number | null
}

/** One field of a request that failed validation (400 `BAD_REQUEST`). */
export interface ApiFieldIssue {
  /** `body.inputs`, `query.limit`, … */
  readonly path: string
  readonly message: string
}

/** Every error answer: `{ "error": { "code", "message" } }`, plus details for some codes. */
export interface ApiErrorBody {
  readonly error: {
    readonly code: ApiErrorCode
    readonly message: string
    /** With `INVALID_DEFINITION`: every problem, with line and column. */
    readonly problems?: readonly ApiProblem[]
    /** With `BAD_REQUEST` from request validation: every field that is wrong. */
    readonly issues?: readonly ApiFieldIssue[]
  }
}

/** `GET /api/health`. */
export interface ApiHealth {
  readonly ok: true
  readonly version: string
  readonly store: 'sqlite' | 'postgres'
}
