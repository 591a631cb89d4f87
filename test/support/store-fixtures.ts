import type { PendingEvent } from '../../src/events/index.js'
import type { Workflow } from '../../src/definition/model.js'
import type {
  DecideUnheldResult,
  ExecutionPatch,
  ExecutionRecord,
  HolderIdentity,
  IterationRecord,
  NewAttempt,
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

/** The record of a new, pending execution of `workflow` created at `createdAt`, as a store reads it back. */
export function executionRecord(
  workflow: Workflow,
  createdAt: number,
  more: Partial<ExecutionRecord> = {},
): ExecutionRecord {
  return {
    id: 'exec_test',
    workflow: workflow.name,
    definition: workflow,
    status: 'pending',
    inputs: {},
    vars: {},
    outputs: {},
    error: null,
    createdAt,
    startedAt: null,
    completedAt: null,
    updatedAt: createdAt,
    parentId: null,
    parentStep: null,
    parentIndex: null,
    run: 1,
    lastSeq: 0,
    deadlineAt: null,
    timeoutRemainingMs: null,
    wakeAt: null,
    pausedReason: null,
    requests: {},
    inbox: 0,
    seenInbox: 0,
    holder: null,
    ...more,
  }
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

/** An attempt of a step as a decision starts it (input `{ value: step }`). */
export function newAttempt(step: string, more: Partial<NewAttempt> = {}): NewAttempt {
  return {
    step,
    index: null,
    attempt: 1,
    kind: 'action',
    target: 'core.echo',
    input: { value: step },
    timeoutMs: null,
    ...more,
  }
}

/**
 * Creates execution `id` and starts `attempts` on it the way a worker's decision does (steps running, their
 * `step.started` events, attempt rows); with `take`, that holder claims up to `take.limit` of them at once.
 */
export async function createWithAttempts(
  store: Store,
  id: string,
  attempts: readonly (string | NewAttempt)[],
  now: number,
  take?: { readonly holder: string; readonly limit: number },
): Promise<Extract<DecideUnheldResult, { outcome: 'decided' }>> {
  const started = attempts.map((a) => (typeof a === 'string' ? newAttempt(a) : a))
  await store.createExecution(newExecution(id, now))
  const result = await store.decideUnheld({
    executionId: id,
    now,
    ...(take === undefined ? {} : { take: { holder: holder(take.holder), limit: take.limit, leaseMs: 1_000 } }),
    decide: async () => ({
      changes: {
        execution: { status: 'running' },
        steps: started.map((a) => stepRecord(a.step, { status: 'running', attempts: a.attempt })),
        events: started.map((a) => stepStarted(a.step, a.attempt)),
      },
      addAttempts: started,
      removeAttempts: [],
    }),
  })
  if (result.outcome !== 'decided') throw new Error(`createWithAttempts: ${result.outcome}`)
  return result
}
