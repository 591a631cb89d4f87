import type { Execution } from '../engine/index.js'
import type { TrellisEvent } from '../events/index.js'
import type { StepStatus } from '../store/index.js'
import { formatDuration } from '../util/index.js'

/** What the progress display knows of one step. */
export interface StepProgress {
  readonly name: string
  status: StepStatus
  /** Attempts started, over every run (for `for_each`, the sum of the iterations'). */
  attempts: number
  /** When this process first saw the step start or park (epoch ms). */
  firstAt: number | null
  /** When it ended (epoch ms). */
  endAt: number | null
  /** One short line on what it is doing or why it ended: `retrying in 1s`, `ACTION_FAILED: boom`. */
  detail: string | null
  iterationsDone: number
}

const ENDED: ReadonlySet<StepStatus> = new Set(['completed', 'failed', 'skipped', 'cancelled'])

/** True when the step will not change any more in this run. */
export function isStepEnded(step: StepProgress): boolean {
  return ENDED.has(step.status)
}

/**
 * The live state of one execution's steps, fed with its events (in the order committed). Renderers read the steps;
 * `apply` also returns the plain line that describes the event, for output that is not a terminal.
 */
export class StepBoard {
  readonly executionId: string
  readonly steps = new Map<string, StepProgress>()
  readonly #iterationStarts = new Map<string, number>()

  constructor(executionId: string, stepNames: readonly string[]) {
    this.executionId = executionId
    for (const name of stepNames) this.#step(name)
  }

  /** A board showing where an existing execution stands (for `resume` and `retry`). */
  static of(execution: Execution): StepBoard {
    const board = new StepBoard(execution.id, Object.keys(execution.steps))
    for (const [name, view] of Object.entries(execution.steps)) {
      const step = board.#step(name)
      step.status = view.status
      step.attempts = view.attempts
      step.iterationsDone = view.iterations?.filter((it) => it.status === 'completed').length ?? 0
      step.detail = view.error === null ? null : `${view.error.code}: ${view.error.message}`
    }
    return board
  }

  /** Applies one event of this execution; returns the line that tells it, or null for events not worth a line. */
  apply(event: TrellisEvent): string | null {
    if (event.execution_id !== this.executionId) return null
    const at = Date.parse(event.at)
    const step = event.step === null ? null : this.#step(event.step)
    const label = event.step === null ? '' : event.index === null ? event.step : `${event.step}[${event.index}]`
    switch (event.type) {
      case 'execution.started':
        return 'execution started'
      case 'step.started': {
        if (step === null) return null
        step.status = 'running'
        step.firstAt ??= at
        if (event.index === null) step.attempts = Math.max(step.attempts, event.data.attempt)
        else {
          step.attempts += 1
          this.#iterationStarts.set(label, this.#iterationStarts.get(label) ?? at)
        }
        step.detail = event.data.attempt > 1 ? `attempt ${event.data.attempt}` : null
        return `step ${label} started (attempt ${event.data.attempt})`
      }
      case 'step.completed': {
        if (step === null) return null
        if (event.index !== null) {
          step.iterationsDone += 1
          step.detail = `${step.iterationsDone} iterations completed`
          const began = this.#iterationStarts.get(label) ?? null
          return `step ${label} completed${details(event.attempt ?? 1, began, at)}`
        }
        step.status = 'completed'
        step.endAt = at
        if (event.attempt !== null) step.attempts = Math.max(step.attempts, event.attempt)
        step.detail = null
        return `step ${label} completed${details(step.attempts, step.firstAt, at)}`
      }
      case 'step.retrying': {
        if (step === null) return null
        if (event.index === null) step.status = 'retrying'
        const { error, delay_ms: delayMs } = event.data
        step.detail = `attempt ${event.data.attempt} failed (${error.code}: ${error.message}); retrying in ${formatDuration(delayMs)}`
        return `step ${label} attempt ${event.data.attempt} failed: ${error.code}: ${error.message}; retrying in ${formatDuration(delayMs)}`
      }
      case 'step.failed': {
        if (step === null) return null
        const { error, handled } = event.data
        const why = `${error.code}: ${error.message}${handled ? ' (handled)' : ''}`
        if (event.index !== null) return `step ${label} failed: ${why}`
        step.status = 'failed'
        step.endAt = at
        step.detail = why
        const attempts = step.attempts > 0 ? ` after ${attemptsText(step.attempts)}` : ''
        return `step ${label} failed${attempts}${durationText(step.firstAt, at, ', ')}: ${why}`
      }
      case 'step.skipped': {
        if (step === null) return null
        step.status = 'skipped'
        step.endAt = at
        step.detail = event.data.reason
        return `step ${label} skipped (${event.data.reason})`
      }
      case 'step.waiting': {
        if (step === null) return null
        step.firstAt ??= at
        const data = event.data
        switch (data.kind) {
          case 'sleep':
            step.status = 'waiting'
            step.detail = `sleeping until ${data.wake_at}`
            break
          case 'signal':
            step.status = 'waiting'
            step.detail = `waiting for signal "${data.topic}"${data.wake_at === null ? '' : ` until ${data.wake_at}`}`
            break
          case 'pause':
            step.status = 'paused'
            step.detail = `paused: ${data.reason}`
            break
        }
        return `step ${label} ${step.detail}`
      }
      case 'step.cancelled': {
        if (step === null) return null
        if (event.index !== null) return `step ${label} cancelled (${event.data.reason})`
        step.status = 'cancelled'
        step.endAt = at
        step.detail = event.data.reason
        return `step ${label} cancelled (${event.data.reason})`
      }
      case 'signal.received':
        return `signal "${event.data.topic}" received`
      case 'execution.suspended':
        return `execution suspended, waiting on ${event.data.waiting_on.join(', ')}`
      case 'execution.paused':
        return `execution paused${event.data.reason === null ? '' : `: ${event.data.reason}`}; continue it with: trellis resume ${this.executionId}`
      case 'execution.resumed':
        return `execution resumed (was ${event.data.from})`
      case 'execution.completed':
      case 'execution.failed':
      case 'execution.cancelled':
        // The summary printed at the end tells these.
        return null
    }
  }

  /** Takes the final word from the execution as stored (steps whose events this process did not see). */
  settle(execution: Execution): void {
    for (const [name, view] of Object.entries(execution.steps)) {
      const step = this.#step(name)
      step.status = view.status
      step.attempts = view.attempts
      if (view.error !== null) step.detail = `${view.error.code}: ${view.error.message}`
      if (view.startedAt !== null && step.firstAt === null) step.firstAt = Date.parse(view.startedAt)
      if (view.completedAt !== null && step.endAt === null) step.endAt = Date.parse(view.completedAt)
    }
  }

  #step(name: string): StepProgress {
    let step = this.steps.get(name)
    if (step === undefined) {
      step = { name, status: 'pending', attempts: 0, firstAt: null, endAt: null, detail: null, iterationsDone: 0 }
      this.steps.set(name, step)
    }
    return step
  }
}

/** `1 attempt`, `3 attempts`. */
export function attemptsText(attempts: number): string {
  return `${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}`
}

/** ` (1 attempt, 12ms)`: attempts when there were any (sleep, wait and pause steps have none), duration when known. */
function details(attempts: number, from: number | null, to: number): string {
  const parts = attempts > 0 ? [attemptsText(attempts)] : []
  if (from !== null) parts.push(formatDuration(Math.max(0, to - from)))
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`
}

/** `, 12ms` when both instants are known. */
function durationText(from: number | null, to: number, separator = ', '): string {
  return from === null ? '' : `${separator}${formatDuration(Math.max(0, to - from))}`
}
