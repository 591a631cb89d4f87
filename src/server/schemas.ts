import { z } from 'zod'
import { EXECUTION_STATUSES, STEP_STATUSES } from '../store/index.js'
import { EVENT_TYPES } from '../events/index.js'
import { EXECUTION_ID_PATTERN } from '../util/index.js'
import type {
  ApiErrorBody,
  ApiEventPage,
  ApiExecution,
  ApiExecutionPage,
  ApiHealth,
  ApiReasonRequest,
  ApiSignalRequest,
  ApiStartRequest,
  ApiWorkflowDetail,
  ApiWorkflowSummary,
} from './api-types.js'
import { STATUS_BY_CODE } from './errors.js'

/**
 * The zod schemas of the API: requests (they validate every body, query and path parameter) and responses (for
 * the OpenAPI document). Each is registered under the name of its type in api-types.ts, which the OpenAPI
 * document uses as its component name; compile-time checks below keep both in step.
 */
export const schemaRegistry = z.registry<{ id: string; description?: string }>()

function named<T extends z.ZodType>(schema: T, id: string, description?: string): T {
  schemaRegistry.add(schema, description === undefined ? { id } : { id, description })
  return schema
}

// --- requests -------------------------------------------------------------------------------------------

const executionId = z
  .string()
  .regex(EXECUTION_ID_PATTERN, 'must be 1 to 128 characters of A-Z a-z 0-9 _ . : -')
  .describe('An execution id.')

const jsonObject = z.record(z.string(), z.unknown())

/** `POST /api/executions`. */
export const startRequest = named(
  z.strictObject({
    workflow: z.string().min(1).describe('A registered workflow name.'),
    inputs: jsonObject.optional().describe('Inputs; defaults are applied. @default {}'),
    id: executionId
      .optional()
      .describe('Names the execution: a second start with the same id, workflow and inputs answers 200.'),
  }),
  'ApiStartRequest',
)

/** `POST /api/executions/:id/signal`. */
export const signalRequest = named(
  z.strictObject({
    topic: z.string().min(1).max(256).describe('The signal topic a `wait` step waits for.'),
    data: z.unknown().optional().describe('Any JSON; `null` when absent.'),
  }),
  'ApiSignalRequest',
)

/** `POST /api/executions/:id/pause` and `/cancel` (the body is optional). */
export const reasonRequest = named(
  z.strictObject({ reason: z.string().max(1_000).optional().describe('Shown in events and status.') }),
  'ApiReasonRequest',
)

/** `POST /api/workflows` as JSON (text bodies are the source itself). */
export const registerWorkflowRequest = named(
  z.strictObject({ source: z.string().min(1).describe('The YAML or JSON definition.') }),
  'ApiRegisterWorkflowRequest',
)

/** `:id` of the execution routes. */
export const executionParams = z.object({ id: executionId })

/** `:name` of the workflow routes. */
export const workflowParams = z.object({ name: z.string().min(1).max(256).describe('A workflow name.') })

/** The largest page of executions or events. */
export const MAX_LIMIT = 500

/** `GET /api/executions`. */
export const listQuery = z.strictObject({
  status: z.enum(EXECUTION_STATUSES).optional().describe('Only executions with this status.'),
  workflow: z.string().min(1).optional().describe('Only executions of this workflow.'),
  parent_id: executionId.optional().describe('Only the children of this execution.'),
  id_prefix: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .describe('Only executions whose id starts with this text (case-sensitive; `%` and `_` are plain characters).'),
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(50).describe('Page size.'),
  cursor: z.string().min(1).max(400).optional().describe('`next_cursor` of the previous page.'),
})

/** `GET /api/executions/:id/events`. */
export const eventsQuery = z.strictObject({
  after: z.coerce.number().int().min(0).default(0).describe('Only events with a greater seq.'),
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(MAX_LIMIT).describe('Page size.'),
})

/** `GET /api/executions/:id/stream`. */
export const streamQuery = z.strictObject({
  after: z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .describe('Start after this seq; a `Last-Event-ID` header (a reconnect) wins over it.'),
  access_token: z.string().optional().describe('The API token, for clients that cannot send headers (EventSource).'),
})

/** `GET /api/stream`. */
export const globalStreamQuery = z.strictObject({
  access_token: z.string().optional().describe('The API token, for clients that cannot send headers (EventSource).'),
})

// --- responses (documentation; api-types.ts is what clients compile against) ------------------------------

const iso = z.string().describe('ISO-8601 instant.')
const stepError = z.object({ code: z.string(), message: z.string() })

const iteration = z.object({
  index: z.number().int(),
  status: z.enum(STEP_STATUSES),
  attempts: z.number().int(),
  output: z.unknown(),
})

const step = named(
  z.object({
    status: z.enum(STEP_STATUSES),
    attempts: z.number().int(),
    output: z.unknown(),
    error: stepError.nullable(),
    started_at: iso.nullable(),
    completed_at: iso.nullable(),
    iterations: z.array(iteration).optional(),
  }),
  'ApiStep',
)

export const executionSchema = named(
  z.object({
    id: z.string(),
    workflow: z.string(),
    status: z.enum(EXECUTION_STATUSES),
    inputs: jsonObject,
    outputs: jsonObject,
    error: z.object({ code: z.string(), message: z.string(), step: z.string().nullable() }).nullable(),
    created_at: iso,
    started_at: iso.nullable(),
    completed_at: iso.nullable(),
    parent_id: z.string().nullable(),
    parent_step: z.string().nullable(),
    steps: z.record(z.string(), step),
  }),
  'ApiExecution',
  'The execution object, as `trellis status --json` prints it.',
)

const summary = named(
  z.object({
    id: z.string(),
    workflow: z.string(),
    status: z.enum(EXECUTION_STATUSES),
    created_at: iso,
    started_at: iso.nullable(),
    completed_at: iso.nullable(),
    parent_id: z.string().nullable(),
  }),
  'ApiExecutionSummary',
)

export const executionPageSchema = named(
  z.object({ executions: z.array(summary), next_cursor: z.string().nullable() }),
  'ApiExecutionPage',
)

export const eventSchema = named(
  z.object({
    seq: z.number().int(),
    type: z.enum(EVENT_TYPES),
    execution_id: z.string(),
    at: iso,
    step: z.string().nullable(),
    attempt: z.number().int().nullable(),
    index: z.number().int().nullable(),
    data: z.unknown().describe('The payload of the event type (execution-model.md).'),
  }),
  'ApiEvent',
)

export const eventPageSchema = named(
  z.object({ events: z.array(eventSchema), last_seq: z.number().int(), has_more: z.boolean() }),
  'ApiEventPage',
)

const inputSpec = z.object({
  type: z.enum(['string', 'number', 'integer', 'boolean', 'object', 'array', 'any']),
  required: z.boolean(),
  default: z.unknown().optional(),
  description: z.string().nullable(),
})

const summaryFields = {
  name: z.string(),
  description: z.string().nullable(),
  inputs: z.record(z.string(), inputSpec),
  step_count: z.number().int(),
  file: z.string().nullable(),
}

export const workflowSummarySchema = named(z.object(summaryFields), 'ApiWorkflowSummary')

const graphNode = z.object({
  id: z.string(),
  kind: z.enum(['action', 'workflow', 'sleep', 'wait', 'pause']),
  action: z.string().nullable(),
  workflow: z.string().nullable(),
  sleep: z.union([z.string(), z.number()]).nullable(),
  signal: z.string().nullable(),
  reason: z.string().nullable(),
  when: z.string().nullable(),
  for_each: z.string().nullable(),
  concurrency: z.number().int().nullable(),
  max_attempts: z.number().int(),
  timeout_ms: z.number().nullable(),
  wait_timeout_ms: z.number().nullable(),
  needs: z.array(z.string()),
  needs_any: z.array(z.string()),
  line: z.number().int().nullable(),
  column: z.number().int().nullable(),
})

const graph = named(
  z.object({
    nodes: z.array(graphNode),
    edges: z.array(
      z.object({
        from: z.string(),
        to: z.string(),
        kind: z.enum(['needs', 'needs_any', 'on_success', 'on_failure', 'on_complete', 'on_timeout']),
      }),
    ),
    order: z.array(z.string()),
  }),
  'ApiGraph',
)

export const workflowDetailSchema = named(
  z.object({
    ...summaryFields,
    failure_policy: z.enum(['fail_fast', 'continue']),
    timeout_ms: z.number().nullable(),
    outputs: jsonObject,
    graph,
    mermaid: z.string(),
    source: z.string().nullable(),
  }),
  'ApiWorkflowDetail',
)

export const workflowListSchema = z.array(workflowSummarySchema)

export const errorSchema = named(
  z.object({
    error: z.object({
      code: z.enum(Object.keys(STATUS_BY_CODE) as [keyof typeof STATUS_BY_CODE, ...(keyof typeof STATUS_BY_CODE)[]]),
      message: z.string(),
      problems: z
        .array(
          z.object({
            path: z.string(),
            message: z.string(),
            line: z.number().int().nullable(),
            column: z.number().int().nullable(),
          }),
        )
        .optional(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  }),
  'ApiErrorBody',
)

export const healthSchema = named(
  z.object({ ok: z.literal(true), version: z.string(), store: z.enum(['sqlite', 'postgres']) }),
  'ApiHealth',
)

// --- compile-time agreement with api-types.ts --------------------------------------------------------------

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
type Writable<T> = T extends readonly (infer U)[]
  ? Writable<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: Writable<T[K]> }
    : T
type Fits<A, B> = [Writable<A>] extends [B] ? true : false
function agree<T extends true>(): T | undefined {
  return undefined
}
// Requests: what the schemas accept is exactly the request types.
agree<Same<z.input<typeof startRequest>, ApiStartRequest>>()
agree<Same<z.input<typeof signalRequest>, ApiSignalRequest>>()
agree<Same<z.input<typeof reasonRequest>, ApiReasonRequest>>()
// Responses: everything the API sends fits its documented schema.
agree<Fits<ApiExecution, z.infer<typeof executionSchema>>>()
agree<Fits<ApiExecutionPage, z.infer<typeof executionPageSchema>>>()
agree<Fits<ApiEventPage, z.infer<typeof eventPageSchema>>>()
agree<Fits<ApiWorkflowSummary, z.infer<typeof workflowSummarySchema>>>()
agree<Fits<ApiWorkflowDetail, z.infer<typeof workflowDetailSchema>>>()
agree<Fits<ApiErrorBody, z.infer<typeof errorSchema>>>()
agree<Fits<ApiHealth, z.infer<typeof healthSchema>>>()
