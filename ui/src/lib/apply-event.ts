import type { ApiEvent, ApiExecution, ApiIteration, ApiStep } from '../api/types.js'

/**
 * Applies one event to an execution object, so the page moves the moment the event arrives (the server's
 * object, fetched again shortly after, stays the truth). Unchanged steps keep their identity, so only the
 * graph nodes of the steps an event is about render again.
 */
export function applyEvent(execution: ApiExecution, event: ApiEvent): ApiExecution {
  const at = event.at
  switch (event.type) {
    case 'execution.started':
      return { ...execution, status: 'running', started_at: execution.started_at ?? at }
    case 'execution.suspended':
      return { ...execution, status: 'suspended' }
    case 'execution.paused':
      return { ...execution, status: 'paused' }
    case 'execution.resumed':
      return { ...execution, status: 'running', completed_at: null, error: null }
    case 'execution.completed':
      return { ...execution, status: 'completed', outputs: event.data.outputs, completed_at: at }
    case 'execution.failed':
      return { ...execution, status: 'failed', error: event.data.error, completed_at: at }
    case 'execution.cancelled':
      return { ...execution, status: 'cancelled', completed_at: at }
    case 'signal.received':
      return execution
    case 'step.started':
      return updateStep(execution, event.step, event.index, (step) => ({
        status: 'running',
        attempts: event.index === null ? Math.max(step.attempts, event.data.attempt) : step.attempts,
        started_at: step.started_at ?? at,
        completed_at: null,
        error: null,
      }))
    case 'step.completed':
      return updateStep(execution, event.step, event.index, () => ({
        status: 'completed',
        output: event.data.output,
        completed_at: at,
      }))
    case 'step.retrying':
      return updateStep(execution, event.step, event.index, () => ({ status: 'retrying' }))
    case 'step.failed':
      return updateStep(execution, event.step, event.index, () => ({
        status: 'failed',
        error: event.data.error,
        completed_at: at,
      }))
    case 'step.skipped':
      return updateStep(execution, event.step, event.index, () => ({ status: 'skipped' }))
    case 'step.waiting':
      return updateStep(execution, event.step, event.index, (step) => ({
        status: event.data.kind === 'pause' ? 'paused' : 'waiting',
        started_at: step.started_at ?? at,
      }))
    case 'step.cancelled':
      return updateStep(execution, event.step, event.index, () => ({ status: 'cancelled', completed_at: at }))
  }
}

type StepPatch = Partial<Pick<ApiStep, 'status' | 'attempts' | 'output' | 'error' | 'started_at' | 'completed_at'>>

function updateStep(
  execution: ApiExecution,
  name: string | null,
  index: number | null,
  patch: (step: ApiStep) => StepPatch,
): ApiExecution {
  if (name === null) return execution
  const step = execution.steps[name]
  if (step === undefined) return execution
  const change = patch(step)
  const next: ApiStep =
    index === null
      ? { ...step, ...change }
      : {
          ...step,
          // An iteration's event moves the step to running (it is working through its items).
          status: step.status === 'pending' ? 'running' : step.status,
          started_at: step.started_at ?? change.started_at ?? null,
          attempts: change.status === 'running' ? step.attempts + 1 : step.attempts,
          iterations: updateIteration(step.iterations, index, change),
        }
  return { ...execution, steps: { ...execution.steps, [name]: next } }
}

function updateIteration(
  iterations: readonly ApiIteration[] | undefined,
  index: number,
  change: StepPatch,
): readonly ApiIteration[] | undefined {
  if (iterations === undefined) return undefined
  return iterations.map((it) =>
    it.index !== index
      ? it
      : {
          ...it,
          status: change.status ?? it.status,
          attempts: change.status === 'running' ? it.attempts + 1 : it.attempts,
          output: change.output !== undefined ? change.output : it.output,
        },
  )
}

/**
 * The server's object, keeping the identity of every step that did not change, so memoised children of
 * unchanged steps do not render again after a refetch.
 */
export function mergeExecution(previous: ApiExecution | null, next: ApiExecution): ApiExecution {
  if (previous === null || previous.id !== next.id) return next
  let same = true
  const steps: Record<string, ApiStep> = {}
  for (const [name, step] of Object.entries(next.steps)) {
    const old = previous.steps[name]
    if (old !== undefined && sameJson(old, step)) steps[name] = old
    else {
      steps[name] = step
      same = false
    }
  }
  const rest = (e: ApiExecution): unknown => ({ ...e, steps: null })
  if (
    same &&
    Object.keys(previous.steps).length === Object.keys(next.steps).length &&
    sameJson(rest(previous), rest(next))
  )
    return previous
  return { ...next, steps }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}
