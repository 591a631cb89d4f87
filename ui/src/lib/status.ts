import type { ApiExecutionStatus, ApiStepStatus } from '../api/types.js'

/** The statuses in the order the list's filter offers them. */
export const EXECUTION_STATUSES: readonly ApiExecutionStatus[] = [
  'pending',
  'running',
  'suspended',
  'paused',
  'completed',
  'failed',
  'cancelled',
]

export function isTerminal(status: ApiExecutionStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled'
}

/** Step statuses a step does not leave any more in this run. */
export function isStepDone(status: ApiStepStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'skipped' || status === 'cancelled'
}

/** Step statuses whose clock runs: the step started and has not ended. */
export function isStepActive(status: ApiStepStatus): boolean {
  return status === 'running' || status === 'retrying' || status === 'waiting' || status === 'paused'
}

/** How long a step took, or has taken so far while active; null when that is not known. */
export function stepElapsedMs(
  step: { status: ApiStepStatus; started_at: string | null; completed_at: string | null },
  now: number,
): number | null {
  if (step.started_at === null) return null
  if (step.completed_at !== null) return Date.parse(step.completed_at) - Date.parse(step.started_at)
  return isStepActive(step.status) ? now - Date.parse(step.started_at) : null
}
