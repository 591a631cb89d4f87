import type { Generated, Insertable, Selectable } from 'kysely'
import type { ExecutionStatus, StepStatus } from '../index.js'

/**
 * The tables of a Trellis database, as Kysely sees them. Columns are snake_case; JSON is stored as TEXT; instants
 * are integer epoch milliseconds (INTEGER on SQLite, BIGINT on PostgreSQL). The DDL is in `migrations/`.
 *
 * Integer columns are typed `number`. The PostgreSQL driver returns BIGINT as a string unless told otherwise, so
 * the codecs read every integer through `Number()` and the PostgreSQL store should parse int8 as a number.
 */
export interface Database {
  executions: ExecutionsTable
  steps: StepsTable
  iterations: IterationsTable
  events: EventsTable
  signals: SignalsTable
  attempts: AttemptsTable
  trellis_migrations: MigrationsTable
}

/** One row per execution: its state, its operator inbox and its lease. */
export interface ExecutionsTable {
  id: string
  workflow: string
  /** The `Workflow` snapshot, JSON. */
  definition: string
  status: ExecutionStatus
  /** JSON object. */
  inputs: string
  /** JSON object. */
  vars: string
  /** JSON object. */
  outputs: string
  /** JSON `ExecutionErrorInfo`, or NULL. */
  error: string | null
  created_at: number
  started_at: number | null
  completed_at: number | null
  updated_at: number
  parent_id: string | null
  parent_step: string | null
  parent_index: number | null
  run: number
  last_seq: number
  deadline_at: number | null
  timeout_remaining_ms: number | null
  wake_at: number | null
  paused_reason: string | null
  /** JSON `OperatorRequests`. */
  requests: string
  inbox: number
  seen_inbox: number
  holder_id: string | null
  holder_host: string | null
  holder_pid: number | null
  /** Grows on every acquisition and is kept when the holder is cleared, so tokens never go back. */
  lease_token: number
  lease_expires_at: number | null
  /** Advanced by every commit of the execution's state (migration 3): a cached state of this version is current. */
  version: Generated<number>
}

export interface StepsTable {
  execution_id: string
  name: string
  status: StepStatus
  attempts: number
  failures: number
  /** JSON (`null` included). */
  output: string
  /** JSON `ErrorInfo`, or NULL. */
  error: string | null
  started_at: number | null
  completed_at: number | null
  wake_at: number | null
  remaining_ms: number | null
  topic: string | null
  reason: string | null
  /** JSON array, or NULL. */
  items: string | null
}

export interface IterationsTable {
  execution_id: string
  step: string
  idx: number
  status: StepStatus
  attempts: number
  failures: number
  /** JSON (`null` included). */
  output: string
  /** JSON `ErrorInfo`, or NULL. */
  error: string | null
  started_at: number | null
  completed_at: number | null
  wake_at: number | null
  remaining_ms: number | null
}

export interface EventsTable {
  execution_id: string
  seq: number
  type: string
  /** Epoch milliseconds; the event's `at` is its ISO-8601 rendering. */
  at: number
  step: string | null
  attempt: number | null
  idx: number | null
  /** JSON. */
  data: string
}

export interface SignalsTable {
  /** Grows with every signal stored (never reused), so it orders signals as they were sent. */
  id: Generated<number>
  execution_id: string
  topic: string
  /** JSON (`null` included). */
  data: string
  created_at: number
  consumed_by: string | null
  consumed_at: number | null
}

/** An attempt in flight of a detached execution, handed to workers (migration 3). */
export interface AttemptsTable {
  execution_id: string
  step: string
  /** The iteration index, or -1 for a step that is not a `for_each` iteration. */
  idx: number
  attempt: number
  kind: 'action' | 'workflow'
  /** The action name, or the workflow reference of a `workflow` step. */
  target: string
  /** JSON: the input rendered when the attempt was decided. */
  input: string
  timeout_ms: number | null
  created_at: number
  holder_id: string | null
  holder_host: string | null
  holder_pid: number | null
  lease_token: number
  lease_expires_at: number | null
}

/** The migration ledger: one row per migration applied. */
export interface MigrationsTable {
  version: number
  name: string
  applied_at: number
}

export type ExecutionRow = Selectable<ExecutionsTable>
export type NewExecutionRow = Insertable<ExecutionsTable>
export type StepRow = Selectable<StepsTable>
export type IterationRow = Selectable<IterationsTable>
export type EventRow = Selectable<EventsTable>
export type SignalRow = Selectable<SignalsTable>
export type AttemptRow = Selectable<AttemptsTable>
