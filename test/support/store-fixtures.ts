import type { PendingEvent } from '../../src/events/index.js'
import type {
  ExecutionPatch,
  HolderIdentity,
  IterationRecord,
  NewExecution,
  StepRecord,
  Store,
} from '../../src/store/index.js'
import { testWorkflow } from './workflow.js'

/** A new execution of a workflow named "wf" with no steps. */
export function newExecution(
  id: string,
  createdAt: number,
  more: Partial<Omit<NewExecution, 'id' | 'createdAt'>> = {},
): NewExecution {
  return { id, workflow: testWorkflow({}, { name: 'wf' }), inputs: {}, createdAt, ...more }
}

/** A holder identity on the test host. */
export function holder(id: string, pid = 1_000): HolderIdentity {
  return { id, host: 'test-host', pid }
}

export function stepRecord(name: string, more: Partial<StepRecord> = {}): StepRecord {
  return {
    name,
    status: 'running',
    attempts: 1,
    failures: 0,
    output: null,
    error: null,
    startedAt: null,
    completedAt: null,
    wakeAt: null,
    remainingMs: null,
    topic: null,
    reason: null,
    items: null,
    ...more,
  }
}

export function iterationRecord(step: string, index: number, more: Partial<IterationRecord> = {}): IterationRecord {
  return {
    step,
    index,
    status: 'running',
    attempts: 1,
    failures: 0,
    output: null,
    error: null,
    startedAt: null,
    completedAt: null,
    wakeAt: null,
    remainingMs: null,
    ...more,
  }
}

export function stepStarted(step: string, attempt = 1): PendingEvent<'step.started'> {
  return { type: 'step.started', step, attempt, index: null, data: { attempt } }
}

export function stepCompleted(step: string, output: unknown, attempt = 1): PendingEvent<'step.completed'> {
  return { type: 'step.completed', step, attempt, index: null, data: { output } }
}

/** Applies `patch` to an execution nobody holds, the way a holder would: acquire, commit, release. */
export async function patchExecution(store: Store, id: string, patch: ExecutionPatch, now: number): Promise<void> {
  const lease = await store.acquire(id, holder('fixture', 1), now, 1_000)
  if (lease === undefined) throw new Error(`patchExecution: execution ${id} is held by someone else`)
  await store.commit(lease, { execution: patch }, now)
  await store.release(lease)
}

/** Creates execution `id` and starts `steps` on it the way a worker's decision does: attempt rows nobody holds yet. */
export async function createWithAttempts(
  store: Store,
  id: string,
  steps: readonly string[],
  now: number,
): Promise<void> {
  await store.createExecution(newExecution(id, now))
  const result = await store.decideUnheld({
    executionId: id,
    now,
    decide: async () => ({
      changes: {
        execution: { status: 'running' },
        steps: steps.map((name) => stepRecord(name, { status: 'running', attempts: 1 })),
        events: steps.map((name) => stepStarted(name)),
      },
      addAttempts: steps.map((step) => ({
        step,
        index: null,
        attempt: 1,
        kind: 'action' as const,
        target: 'core.echo',
        input: null,
        timeoutMs: null,
      })),
      removeAttempts: [],
    }),
  })
  if (result.outcome !== 'decided') throw new Error(`createWithAttempts: ${result.outcome}`)
}
