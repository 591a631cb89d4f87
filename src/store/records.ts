import type { Workflow } from '../definition/index.js'
import type { ExecutionErrorInfo } from '../events/index.js'
import type { ErrorInfo, JsonValue } from '../util/index.js'

/** Execution statuses (execution-model.md). Terminal: completed, failed, cancelled. */
export const EXECUTION_STATUSES = [
  'pending',
  'running',
  'suspended',
  'paused',
  'completed',
  'failed',
  'cancelled',
] as const
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number]

/** Step (and iteration) statuses (execution-model.md). */
export const STEP_STATUSES = [
  'pending',
  'running',
  'retrying',
  'waiting',
  'paused',
  'completed',
  'failed',
  'skipped',
  'cancelled',
] as const
export type StepStatus = (typeof STEP_STATUSES)[number]

/** True for the three statuses an execution never leaves on its own. */
export function isTerminalStatus(status: ExecutionStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled'
}

/** Operator requests stored by whoever receives them and applied by the holder (typescript-api.md). */
export interface OperatorRequests {
  /** Reason of a pending pause request; `undefined` when none. `null` reason means "paused by operator". */
  readonly pause?: { readonly reason: string | null; readonly at: number }
  readonly cancel?: { readonly reason: string | null; readonly at: number }
  readonly resume?: { readonly at: number }
}

/** One execution's own row. Instants are epoch milliseconds. */
export interface ExecutionRecord {
  readonly id: string
  readonly workflow: string
  /** The definition snapshot the execution runs (children included). */
  readonly definition: Workflow
  readonly status: ExecutionStatus
  /** Inputs with defaults applied. */
  readonly inputs: Readonly<Record<string, JsonValue>>
  readonly vars: Readonly<Record<string, unknown>>
  /** `{}` until the execution completes. */
  readonly outputs: Readonly<Record<string, unknown>>
  readonly error: ExecutionErrorInfo | null
  readonly createdAt: number
  readonly startedAt: number | null
  readonly completedAt: number | null
  readonly updatedAt: number
  readonly parentId: string | null
  readonly parentStep: string | null
  readonly parentIndex: number | null
  /** 1 for the first run; a retry starts run 2, … */
  readonly run: number
  /** Highest event seq written; events are numbered by the store. */
  readonly lastSeq: number
  /** When the execution timeout passes; null when there is none or the execution is paused. */
  readonly deadlineAt: number | null
  /** Execution timeout left while paused (clocks stand still). */
  readonly timeoutRemainingMs: number | null
  /** Earliest timer of this execution (retry delay, sleep, wait timeout, deadline); null when none runs. */
  readonly wakeAt: number | null
  /** Reason given with `execution.paused`, while paused. */
  readonly pausedReason: string | null
  readonly requests: OperatorRequests
  /** Bumped by every signal or operator request, so a holder can tell what it has not seen yet. */
  readonly inbox: number
  /** The inbox value the engine has processed; `inbox > seenInbox` means news nobody has applied yet. */
  readonly seenInbox: number
  readonly holder: HolderInfo | null
}

/** Who holds an execution (attached process or worker), and until when. */
export interface HolderInfo {
  readonly id: string
  readonly host: string
  readonly pid: number
  readonly token: number
  readonly expiresAt: number
}

/** One step's row. `for_each` steps also have iteration rows. */
export interface StepRecord {
  readonly name: string
  readonly status: StepStatus
  /** Attempts started over every run (for `for_each`, the sum of the iterations'). */
  readonly attempts: number
  /** Attempts that failed in the current run, counted against `max_attempts` (a crash-cut attempt is not one). */
  readonly failures?: number
  readonly output: unknown
  readonly error: ErrorInfo | null
  readonly startedAt: number | null
  readonly completedAt: number | null
  /** Due time of this step's timer: a retry delay, a sleep, or a wait timeout. */
  readonly wakeAt: number | null
  /** Time left on that timer while the execution is paused. */
  readonly remainingMs: number | null
  /** Topic of a parked `wait`, fixed when it parked. */
  readonly topic: string | null
  /** Why it was skipped, cancelled or is paused. */
  readonly reason: string | null
  /** The rendered `for_each` array, fixed when the step started; null otherwise. */
  readonly items: readonly unknown[] | null
}

/** One `for_each` iteration's row. */
export interface IterationRecord {
  readonly step: string
  readonly index: number
  readonly status: StepStatus
  readonly attempts: number
  /** As on StepRecord. */
  readonly failures?: number
  readonly output: unknown
  readonly error: ErrorInfo | null
  readonly startedAt: number | null
  readonly completedAt: number | null
  readonly wakeAt: number | null
  readonly remainingMs: number | null
}

/** A signal stored for an execution. */
export interface SignalRecord {
  readonly id: number
  readonly topic: string
  readonly data: unknown
  readonly createdAt: number
  /** The step that took it, or null while it waits to be taken. */
  readonly consumedBy: string | null
}

/** Everything needed to run an execution: its row, steps, iterations and untaken signals. */
export interface LoadedExecution {
  readonly execution: ExecutionRecord
  readonly steps: readonly StepRecord[]
  readonly iterations: readonly IterationRecord[]
  readonly signals: readonly SignalRecord[]
}

/** What `listExecutions` returns per execution. */
export interface ExecutionSummary {
  readonly id: string
  readonly workflow: string
  readonly status: ExecutionStatus
  readonly createdAt: number
  readonly startedAt: number | null
  readonly completedAt: number | null
  readonly parentId: string | null
}

export interface ExecutionFilter {
  readonly status?: ExecutionStatus
  readonly workflow?: string
  readonly parentId?: string
  /**
   * Only executions whose id starts with this text (case-sensitive; `%` and `_` are plain characters). Read as a
   * range of the primary key, so it stays fast however many executions there are.
   */
  readonly idPrefix?: string
  /** @default 50 */
  readonly limit?: number
  /** Pagination: executions created strictly before this one (newest first). */
  readonly before?: { readonly createdAt: number; readonly id: string }
}
