import type { ExecutionErrorInfo } from '../events/index.js'
import type { ExecutionRecord, ExecutionStatus, IterationRecord, StepRecord, StepStatus } from '../store/index.js'
import type { ErrorInfo } from '../util/index.js'
import { toIterationRecord, toStepRecord, type ExecutionState } from './state.js'

/** A `for_each` iteration as the API shows it. */
export interface IterationView {
  readonly index: number
  readonly status: StepStatus
  readonly attempts: number
  readonly output: unknown
  readonly error: ErrorInfo | null
}

/** A step as the API shows it (`status --json` has the same fields in snake_case). */
export interface StepView {
  readonly status: StepStatus
  readonly attempts: number
  readonly output: unknown
  readonly error: ErrorInfo | null
  readonly startedAt: string | null
  readonly completedAt: string | null
  readonly iterations?: readonly IterationView[]
}

/** An execution as the API shows it: cli.md's execution object in camelCase. */
export interface Execution {
  readonly id: string
  readonly workflow: string
  readonly status: ExecutionStatus
  readonly inputs: Readonly<Record<string, unknown>>
  readonly outputs: Readonly<Record<string, unknown>>
  readonly error: ExecutionErrorInfo | null
  readonly createdAt: string
  readonly startedAt: string | null
  readonly completedAt: string | null
  readonly parentId: string | null
  readonly parentStep: string | null
  readonly steps: Readonly<Record<string, StepView>>
}

/** Builds the API view of an execution from its rows. */
export function toExecutionView(
  record: Pick<
    ExecutionRecord,
    | 'id'
    | 'workflow'
    | 'definition'
    | 'status'
    | 'inputs'
    | 'outputs'
    | 'error'
    | 'createdAt'
    | 'startedAt'
    | 'completedAt'
    | 'parentId'
    | 'parentStep'
  >,
  steps: readonly StepRecord[],
  iterations: readonly IterationRecord[],
): Execution {
  const rows = new Map(steps.map((s) => [s.name, s]))
  // Iterations of each step by index (the rows need not come in order), so each is found in O(1).
  const byStep = new Map<string, (IterationRecord | undefined)[]>()
  for (const it of iterations) {
    let list = byStep.get(it.step)
    if (list === undefined) byStep.set(it.step, (list = []))
    list[it.index] = it
  }
  const stepViews: Record<string, StepView> = {}
  for (const name of Object.keys(record.definition.steps)) {
    const row = rows.get(name)
    const status = row?.status ?? 'pending'
    const view: StepView = {
      status,
      attempts: row?.attempts ?? 0,
      output: status === 'completed' ? (row?.output ?? null) : null,
      error: status === 'failed' ? (row?.error ?? null) : null,
      startedAt: isoOrNull(row?.startedAt ?? null),
      completedAt: isoOrNull(row?.completedAt ?? null),
    }
    const items = row?.items
    if (items !== null && items !== undefined) {
      const started = byStep.get(name) ?? []
      const list: IterationView[] = []
      // execution-model.md: iterations that never started when the step ended are `skipped`.
      const notStarted: StepStatus = status === 'running' || status === 'pending' ? 'pending' : 'skipped'
      for (let i = 0; i < items.length; i++) {
        const it = started[i]
        list.push(
          it === undefined
            ? { index: i, status: notStarted, attempts: 0, output: null, error: null }
            : { index: i, status: it.status, attempts: it.attempts, output: it.output ?? null, error: it.error },
        )
      }
      stepViews[name] = { ...view, iterations: list }
    } else {
      stepViews[name] = view
    }
  }
  return {
    id: record.id,
    workflow: record.workflow,
    status: record.status,
    inputs: record.inputs,
    outputs: record.outputs,
    error: record.error,
    createdAt: new Date(record.createdAt).toISOString(),
    startedAt: isoOrNull(record.startedAt),
    completedAt: isoOrNull(record.completedAt),
    parentId: record.parentId,
    parentStep: record.parentStep,
    steps: stepViews,
  }
}

/**
 * The API view of an execution this process holds, from its state: what `find` would read back from the store
 * once the last commit is in (the state changes only by decisions, and the runner keeps it only after they
 * committed). A deep copy, so the caller shares nothing with the state or with the values actions returned.
 */
export function stateView(state: ExecutionState): Execution {
  const steps: StepRecord[] = []
  const iterations: IterationRecord[] = []
  for (const step of state.steps.values()) {
    steps.push(toStepRecord(step))
    for (const it of step.iterations ?? []) if (it !== undefined) iterations.push(toIterationRecord(step.name, it))
  }
  const record = {
    id: state.id,
    workflow: state.workflow.name,
    definition: state.workflow,
    status: state.status,
    inputs: state.inputs,
    outputs: state.outputs,
    error: state.error,
    createdAt: state.createdAt,
    startedAt: state.startedAt,
    completedAt: state.completedAt,
    parentId: state.parentId,
    parentStep: state.parentStep,
  }
  return structuredClone(toExecutionView(record, steps, iterations))
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString()
}
