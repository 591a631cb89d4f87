import type { Workflow } from '../definition/index.js'
import type { ExecutionErrorInfo } from '../events/index.js'
import type {
  ExecutionPatch,
  ExecutionStatus,
  IterationRecord,
  LoadedExecution,
  OperatorRequests,
  SignalRecord,
  StepRecord,
  StepStatus,
} from '../store/index.js'
import type { ErrorInfo, JsonValue } from '../util/index.js'
import { indexWorkflow, type WorkflowIndex } from './workflow-index.js'

/** One `for_each` iteration, in memory. */
export interface IterationState {
  readonly index: number
  status: StepStatus
  attempts: number
  /** Failed attempts in the current run, against `max_attempts` (crashed attempts do not count). */
  failures: number
  output: unknown
  error: ErrorInfo | null
  startedAt: number | null
  completedAt: number | null
  wakeAt: number | null
  remainingMs: number | null
}

/** One step, in memory. */
export interface StepState {
  readonly name: string
  status: StepStatus
  attempts: number
  failures: number
  output: unknown
  error: ErrorInfo | null
  startedAt: number | null
  completedAt: number | null
  wakeAt: number | null
  remainingMs: number | null
  topic: string | null
  reason: string | null
  items: unknown[] | null
  /** Iterations started so far, by index (they start in index order). Null unless a `for_each` step started. */
  iterations: IterationState[] | null
  /** Iterations running or retrying now. */
  activeIterations: number
  /** Iterations completed. */
  completedIterations: number
  /** Indexes of iterations with a timer (`wakeAt` or `remainingMs`), kept by `touchIteration`: no scan of them all. */
  timedIterations: Set<number>
  /** Entries of `needs` whose step has not been decided yet (kept by `setStatus`, so readiness is O(1)). */
  unmetNeeds: number
  /** Entries of `needs` whose step was decided without completing (failed, skipped, cancelled): this one is skipped. */
  failedNeeds: number
}

/** What a step looks like to templates: `steps.NAME.output`, `.status`, `.error`. */
export interface StepScope {
  readonly output: unknown
  readonly status: StepStatus
  readonly error: ErrorInfo | null
}

/**
 * The state of one execution held by this process. `decide()` changes it in place and marks what it changed, so
 * the runner commits exactly those rows. If a commit fails, the runner throws this object away and reloads.
 */
export class ExecutionState {
  readonly id: string
  readonly workflow: Workflow
  readonly index: WorkflowIndex
  status: ExecutionStatus
  inputs: Readonly<Record<string, JsonValue>>
  vars: Record<string, unknown>
  outputs: Record<string, unknown>
  error: ExecutionErrorInfo | null
  readonly createdAt: number
  startedAt: number | null
  completedAt: number | null
  run: number
  deadlineAt: number | null
  timeoutRemainingMs: number | null
  wakeAt: number | null
  pausedReason: string | null
  requests: OperatorRequests
  inbox: number
  seenInbox: number
  readonly parentId: string | null
  readonly parentStep: string | null
  readonly steps: Map<string, StepState>
  /** Signals nobody has taken yet, oldest first. */
  signals: SignalRecord[]
  /** Template view of the steps, kept current as statuses change. */
  readonly stepsScope: Record<string, StepScope>
  /** A pause was asked for (operator) and is waiting for running attempts to finish. */
  pauseRequested: { reason: string | null } | null = null
  /** Attempts started whose end is not decided yet (keys from `inFlightKey`). */
  readonly inFlight = new Set<string>()
  /** Steps that are running, retrying, waiting or paused. */
  readonly live = new Set<string>()
  /** Steps with a timer (their own or an iteration's). */
  readonly timed = new Set<string>()

  // What changed since the last commit.
  readonly dirtySteps = new Set<string>()
  readonly dirtyIterations = new Map<string, Set<number>>()
  dirtyExecution: ExecutionPatch = {}
  consumedSignals: { id: number; step: string }[] = []
  clearedRequests: (keyof OperatorRequests)[] = []
  deletedIterationsOf: string[] = []

  constructor(loaded: LoadedExecution) {
    const e = loaded.execution
    this.id = e.id
    this.workflow = e.definition
    this.index = indexWorkflow(e.definition)
    this.status = e.status
    this.inputs = e.inputs
    this.vars = { ...e.vars }
    this.outputs = { ...e.outputs }
    this.error = e.error
    this.createdAt = e.createdAt
    this.startedAt = e.startedAt
    this.completedAt = e.completedAt
    this.run = e.run
    this.deadlineAt = e.deadlineAt
    this.timeoutRemainingMs = e.timeoutRemainingMs
    this.wakeAt = e.wakeAt
    this.pausedReason = e.pausedReason
    this.requests = e.requests
    this.inbox = e.inbox
    // Loaded now, the state holds every signal and request stored so far: the whole inbox is seen. Marking it
    // (committed with the first decision) keeps a worker from claiming the execution again for news it has.
    this.seenInbox = e.inbox
    if (e.seenInbox !== e.inbox) this.dirtyExecution = { seenInbox: e.inbox }
    this.parentId = e.parentId
    this.parentStep = e.parentStep
    this.signals = [...loaded.signals]
    this.steps = new Map()
    this.stepsScope = Object.create(null) as Record<string, StepScope>
    const rows = new Map(loaded.steps.map((s) => [s.name, s]))
    for (const name of Object.keys(this.workflow.steps)) {
      const row = rows.get(name)
      const step: StepState = {
        name,
        status: row?.status ?? 'pending',
        attempts: row?.attempts ?? 0,
        failures: row?.failures ?? 0,
        output: row?.output ?? null,
        error: row?.error ?? null,
        startedAt: row?.startedAt ?? null,
        completedAt: row?.completedAt ?? null,
        wakeAt: row?.wakeAt ?? null,
        remainingMs: row?.remainingMs ?? null,
        topic: row?.topic ?? null,
        reason: row?.reason ?? null,
        items: row?.items === null || row?.items === undefined ? null : [...row.items],
        iterations: null,
        activeIterations: 0,
        completedIterations: 0,
        timedIterations: new Set(),
        unmetNeeds: 0,
        failedNeeds: 0,
      }
      this.steps.set(name, step)
      this.refreshScope(step)
    }
    for (const it of loaded.iterations) {
      const step = this.steps.get(it.step)
      if (step === undefined) continue
      step.iterations ??= []
      step.iterations[it.index] = { ...it, failures: it.failures ?? 0 }
      if (it.status === 'running' || it.status === 'retrying') step.activeIterations++
      if (it.status === 'completed') step.completedIterations++
      if (it.wakeAt !== null || it.remainingMs !== null) {
        step.timedIterations.add(it.index)
        this.timed.add(it.step)
      }
    }
    for (const step of this.steps.values()) {
      for (const need of this.index.steps.get(step.name)!.spec.needs) {
        const kind = needKind(this.step(need).status)
        if (kind === 'unmet') step.unmetNeeds++
        else if (kind === 'failed') step.failedNeeds++
      }
      if (step.items !== null) step.iterations ??= []
      if (isLive(step.status)) this.live.add(step.name)
      if (step.wakeAt !== null || step.remainingMs !== null) this.timed.add(step.name)
    }
  }

  /** Sets a step's status, keeping the live set and the template scope current, and marks the row dirty. */
  setStatus(step: StepState, status: StepStatus): void {
    const before = needKind(step.status)
    const after = needKind(status)
    if (before !== after) {
      for (const name of this.index.steps.get(step.name)!.neededBy) {
        const dependent = this.step(name)
        if (before === 'unmet') dependent.unmetNeeds--
        else if (before === 'failed') dependent.failedNeeds--
        if (after === 'unmet') dependent.unmetNeeds++
        else if (after === 'failed') dependent.failedNeeds++
      }
    }
    step.status = status
    if (isLive(status)) this.live.add(step.name)
    else this.live.delete(step.name)
    this.touch(step)
  }

  /** Marks a step row as changed and refreshes its template view. */
  touch(step: StepState): void {
    this.dirtySteps.add(step.name)
    this.refreshScope(step)
  }

  /** Marks an iteration row as changed, and keeps the step's set of iterations with a timer current. */
  touchIteration(step: StepState, iteration: IterationState): void {
    let set = this.dirtyIterations.get(step.name)
    if (set === undefined) this.dirtyIterations.set(step.name, (set = new Set()))
    set.add(iteration.index)
    if (iteration.wakeAt !== null || iteration.remainingMs !== null) step.timedIterations.add(iteration.index)
    else step.timedIterations.delete(iteration.index)
  }

  /** Records a change to the execution row. */
  patch(fields: ExecutionPatch): void {
    Object.assign(this.dirtyExecution, fields)
  }

  step(name: string): StepState {
    const step = this.steps.get(name)
    if (step === undefined) throw new Error(`Unknown step "${name}" in execution ${this.id}`)
    return step
  }

  /** The earliest timer of this execution, or null. Looks only at steps and iterations that have one. */
  nextWakeAt(): number | null {
    let min = this.deadlineAt
    for (const name of this.timed) {
      const step = this.step(name)
      if (step.wakeAt !== null && (min === null || step.wakeAt < min)) min = step.wakeAt
      for (const i of step.timedIterations) {
        const at = step.iterations?.[i]?.wakeAt ?? null
        if (at !== null && (min === null || at < min)) min = at
      }
    }
    return min
  }

  /** The rows and events to commit, and resets the dirty marks. */
  takeChanges(): {
    steps: StepRecord[]
    iterations: IterationRecord[]
    execution: ExecutionPatch
    consumeSignals: { id: number; step: string }[]
    clearRequests: (keyof OperatorRequests)[]
    deleteIterationsOf: string[]
  } {
    const steps = [...this.dirtySteps].map((name) => toStepRecord(this.step(name)))
    const iterations: IterationRecord[] = []
    for (const [name, indexes] of this.dirtyIterations) {
      const step = this.step(name)
      for (const i of indexes) {
        const it = step.iterations?.[i]
        if (it !== undefined) iterations.push(toIterationRecord(name, it))
      }
    }
    const changes = {
      steps,
      iterations,
      execution: this.dirtyExecution,
      consumeSignals: this.consumedSignals,
      clearRequests: this.clearedRequests,
      deleteIterationsOf: this.deletedIterationsOf,
    }
    this.dirtySteps.clear()
    this.dirtyIterations.clear()
    this.dirtyExecution = {}
    this.consumedSignals = []
    this.clearedRequests = []
    this.deletedIterationsOf = []
    return changes
  }

  private refreshScope(step: StepState): void {
    this.stepsScope[step.name] = {
      output: step.status === 'completed' ? step.output : null,
      status: step.status,
      error: step.status === 'failed' ? step.error : null,
    }
  }
}

/** The key of an attempt in `ExecutionState.inFlight`: `step`, or `step#index` for an iteration. */
export function inFlightKey(step: string, index: number | null): string {
  return index === null ? step : `${step}#${index}`
}

/** Whether `takeChanges()` gave anything to write (with `events`, the decision's). */
export function hasChanges(changes: ReturnType<ExecutionState['takeChanges']>, events: readonly unknown[]): boolean {
  return (
    events.length > 0 ||
    changes.steps.length > 0 ||
    changes.iterations.length > 0 ||
    Object.keys(changes.execution).length > 0 ||
    changes.consumeSignals.length > 0 ||
    changes.clearRequests.length > 0
  )
}

/** Running, retrying, waiting and paused steps are live: the execution is not done while one exists. */
export function isLive(status: StepStatus): boolean {
  return status === 'running' || status === 'retrying' || status === 'waiting' || status === 'paused'
}

/** What a step's status means to the steps that list it in `needs`. */
function needKind(status: StepStatus): 'met' | 'failed' | 'unmet' {
  if (status === 'completed') return 'met'
  return isDecided(status) ? 'failed' : 'unmet'
}

/** Completed, failed, skipped and cancelled steps are decided. */
export function isDecided(status: StepStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'skipped' || status === 'cancelled'
}

export function toStepRecord(step: StepState): StepRecord {
  return {
    name: step.name,
    status: step.status,
    attempts: step.attempts,
    failures: step.failures,
    output: step.output,
    error: step.error,
    startedAt: step.startedAt,
    completedAt: step.completedAt,
    wakeAt: step.wakeAt,
    remainingMs: step.remainingMs,
    topic: step.topic,
    reason: step.reason,
    items: step.items,
  }
}

export function toIterationRecord(step: string, it: IterationState): IterationRecord {
  return {
    step,
    index: it.index,
    status: it.status,
    attempts: it.attempts,
    failures: it.failures,
    output: it.output,
    error: it.error,
    startedAt: it.startedAt,
    completedAt: it.completedAt,
    wakeAt: it.wakeAt,
    remainingMs: it.remainingMs,
  }
}
