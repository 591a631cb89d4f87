import type { TrellisEvent } from '../events/index.js'
import type { ExecutionStatus, ExecutionSummary, StepStatus } from '../store/index.js'
import type { Execution, IterationView, StepView } from './view.js'

/**
 * The wire shapes of cli.md ("Machine output"), shared by the CLI's `--json` and the HTTP API: the one place where
 * the TypeScript API's camelCase becomes snake_case. Each function lists its keys explicitly, in the documented
 * order, so nothing undocumented leaks out.
 */

/** An error of a step or an iteration. */
export interface WireError {
  readonly code: string
  readonly message: string
}

/** An execution's error: the first unhandled failure, or an engine-level one (`step` null). */
export interface WireExecutionError extends WireError {
  readonly step: string | null
}

/** One `for_each` iteration: exactly the four keys cli.md shows. */
export interface WireIteration {
  readonly index: number
  readonly status: StepStatus
  readonly attempts: number
  readonly output: unknown
}

/** One step of the execution object; `iterations` only for `for_each` steps. */
export interface WireStep {
  readonly status: StepStatus
  readonly attempts: number
  readonly output: unknown
  readonly error: WireError | null
  readonly started_at: string | null
  readonly completed_at: string | null
  readonly iterations?: readonly WireIteration[]
}

/** The execution object printed by `run`, `resume`, `retry`, `status` and `start` with `--json`. */
export interface WireExecution {
  readonly id: string
  readonly workflow: string
  readonly status: ExecutionStatus
  readonly inputs: Readonly<Record<string, unknown>>
  readonly outputs: Readonly<Record<string, unknown>>
  readonly error: WireExecutionError | null
  readonly created_at: string
  readonly started_at: string | null
  readonly completed_at: string | null
  readonly parent_id: string | null
  readonly parent_step: string | null
  readonly steps: Readonly<Record<string, WireStep>>
}

/** One entry of `list --json`. */
export interface WireSummary {
  readonly id: string
  readonly workflow: string
  readonly status: ExecutionStatus
  readonly created_at: string
  readonly started_at: string | null
  readonly completed_at: string | null
  readonly parent_id: string | null
}

/** One line of `events --json` (execution-model.md). */
export interface WireEvent {
  readonly seq: number
  readonly type: string
  readonly execution_id: string
  readonly at: string
  readonly step: string | null
  readonly attempt: number | null
  readonly index: number | null
  readonly data: unknown
}

/** The execution object of cli.md from the API view. */
export function toWireExecution(execution: Execution): WireExecution {
  const steps: Record<string, WireStep> = {}
  for (const [name, step] of Object.entries(execution.steps)) steps[name] = toWireStep(step)
  return {
    id: execution.id,
    workflow: execution.workflow,
    status: execution.status,
    inputs: execution.inputs,
    outputs: execution.outputs,
    error:
      execution.error === null
        ? null
        : { code: execution.error.code, message: execution.error.message, step: execution.error.step ?? null },
    created_at: execution.createdAt,
    started_at: execution.startedAt,
    completed_at: execution.completedAt,
    parent_id: execution.parentId,
    parent_step: execution.parentStep,
    steps,
  }
}

function toWireStep(step: StepView): WireStep {
  const wire: WireStep = {
    status: step.status,
    attempts: step.attempts,
    output: step.output ?? null,
    error: step.error === null ? null : { code: step.error.code, message: step.error.message },
    started_at: step.startedAt,
    completed_at: step.completedAt,
  }
  return step.iterations === undefined ? wire : { ...wire, iterations: step.iterations.map(toWireIteration) }
}

function toWireIteration(iteration: IterationView): WireIteration {
  return {
    index: iteration.index,
    status: iteration.status,
    attempts: iteration.attempts,
    output: iteration.output ?? null,
  }
}

/** One `list --json` entry from a store summary (epoch ms become ISO-8601). */
export function toWireSummary(summary: ExecutionSummary): WireSummary {
  return {
    id: summary.id,
    workflow: summary.workflow,
    status: summary.status,
    created_at: iso(summary.createdAt),
    started_at: summary.startedAt === null ? null : iso(summary.startedAt),
    completed_at: summary.completedAt === null ? null : iso(summary.completedAt),
    parent_id: summary.parentId,
  }
}

/** One `events --json` line: the event's own fields, in the documented order. */
export function toWireEvent(event: TrellisEvent): WireEvent {
  return {
    seq: event.seq,
    type: event.type,
    execution_id: event.execution_id,
    at: event.at,
    step: event.step,
    attempt: event.attempt,
    index: event.index,
    data: event.data,
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString()
}
