import type { Updateable } from 'kysely'
import type { Workflow } from '../../definition/index.js'
import type { ExecutionErrorInfo, PendingEvent, TrellisEvent } from '../../events/index.js'
import type { ErrorInfo, JsonValue } from '../../util/index.js'
import type {
  ExecutionChanges,
  ExecutionPatch,
  ExecutionRecord,
  ExecutionSummary,
  IterationRecord,
  NewExecution,
  OperatorRequests,
  SignalRecord,
  StepRecord,
} from '../index.js'
import type {
  EventRow,
  ExecutionRow,
  ExecutionsTable,
  IterationRow,
  NewExecutionRow,
  SignalRow,
  StepRow,
} from './database.js'

/**
 * Encodes a value for a JSON column (`undefined` becomes `null`). Throws a TypeError naming `what` when the value
 * cannot be encoded (a BigInt, a cycle), so a commit fails before it writes anything.
 */
export function encodeJson(value: unknown, what: string): string {
  try {
    return JSON.stringify(value ?? null)
  } catch (error) {
    throw new TypeError(`Cannot store ${what}: it is not JSON (${(error as Error).message}).`, { cause: error })
  }
}

/** Like `encodeJson`, but `null` and `undefined` become SQL NULL. */
function encodeNullableJson(value: unknown, what: string): string | null {
  return value === null || value === undefined ? null : encodeJson(value, what)
}

function decodeJson<T>(text: string): T {
  return JSON.parse(text) as T
}

function decodeNullableJson<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T)
}

/** Integer columns may come back as strings (PostgreSQL BIGINT) or bigints; the records want numbers. */
function int(value: number | string | bigint): number {
  return typeof value === 'number' ? value : Number(value)
}

function nullableInt(value: number | string | bigint | null): number | null {
  return value === null ? null : int(value)
}

/** The row of a new execution: `pending`, run 1, nothing numbered, empty vars and inbox, nobody holding it. */
export function newExecutionRow(input: NewExecution): NewExecutionRow {
  return {
    id: input.id,
    workflow: input.workflow.name,
    definition: encodeJson(input.workflow, `the definition of execution ${input.id}`),
    status: 'pending',
    inputs: encodeJson(input.inputs, `the inputs of execution ${input.id}`),
    vars: '{}',
    outputs: '{}',
    error: null,
    created_at: input.createdAt,
    started_at: null,
    completed_at: null,
    updated_at: input.createdAt,
    parent_id: input.parentId ?? null,
    parent_step: input.parentStep ?? null,
    parent_index: input.parentIndex ?? null,
    run: 1,
    last_seq: 0,
    deadline_at: null,
    timeout_remaining_ms: null,
    wake_at: null,
    paused_reason: null,
    requests: '{}',
    inbox: 0,
    seen_inbox: 0,
    holder_id: input.holder?.identity.id ?? null,
    holder_host: input.holder?.identity.host ?? null,
    holder_pid: input.holder?.identity.pid ?? null,
    lease_token: input.holder === undefined ? 0 : 1,
    lease_expires_at: input.holder === undefined ? null : input.createdAt + input.holder.leaseMs,
  }
}

/** Definitions decoded lately, by their JSON text: most executions run one of a few workflows. */
const definitions = new Map<string, Workflow>()
const CACHED_DEFINITIONS = 32

/**
 * Decodes a definition once per distinct text (a 1,000-step definition is about 370 KB of JSON; every read of an
 * execution row used to parse it again). The object is shared by every record with that text, so it is frozen.
 */
function decodeDefinition(text: string): Workflow {
  let definition = definitions.get(text)
  if (definition === undefined) {
    definition = deepFreeze(decodeJson<Workflow>(text))
    if (definitions.size >= CACHED_DEFINITIONS) definitions.delete(definitions.keys().next().value!)
    definitions.set(text, definition)
  }
  return definition
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const item of Object.values(value)) deepFreeze(item)
  }
  return value
}

export function executionFromRow(row: ExecutionRow): ExecutionRecord {
  return {
    id: row.id,
    workflow: row.workflow,
    definition: decodeDefinition(row.definition),
    status: row.status,
    inputs: decodeJson<Record<string, JsonValue>>(row.inputs),
    vars: decodeJson<Record<string, unknown>>(row.vars),
    outputs: decodeJson<Record<string, unknown>>(row.outputs),
    error: decodeNullableJson<ExecutionErrorInfo>(row.error),
    createdAt: int(row.created_at),
    startedAt: nullableInt(row.started_at),
    completedAt: nullableInt(row.completed_at),
    updatedAt: int(row.updated_at),
    parentId: row.parent_id,
    parentStep: row.parent_step,
    parentIndex: nullableInt(row.parent_index),
    run: int(row.run),
    lastSeq: int(row.last_seq),
    deadlineAt: nullableInt(row.deadline_at),
    timeoutRemainingMs: nullableInt(row.timeout_remaining_ms),
    wakeAt: nullableInt(row.wake_at),
    pausedReason: row.paused_reason,
    requests: decodeJson<OperatorRequests>(row.requests),
    inbox: int(row.inbox),
    seenInbox: int(row.seen_inbox),
    holder:
      row.holder_id === null
        ? null
        : {
            id: row.holder_id,
            host: row.holder_host ?? '',
            pid: int(row.holder_pid ?? 0),
            token: int(row.lease_token),
            expiresAt: int(row.lease_expires_at ?? 0),
          },
  }
}

/** The columns `listExecutions` and `listChildren` read. */
export const SUMMARY_COLUMNS = [
  'id',
  'workflow',
  'status',
  'created_at',
  'started_at',
  'completed_at',
  'parent_id',
] as const satisfies readonly (keyof ExecutionsTable)[]

export function summaryFromRow(row: Pick<ExecutionRow, (typeof SUMMARY_COLUMNS)[number]>): ExecutionSummary {
  return {
    id: row.id,
    workflow: row.workflow,
    status: row.status,
    createdAt: int(row.created_at),
    startedAt: nullableInt(row.started_at),
    completedAt: nullableInt(row.completed_at),
    parentId: row.parent_id,
  }
}

/** The columns a patch sets: only the fields present in it (`undefined` counts as absent). */
export function executionPatchRow(executionId: string, patch: ExecutionPatch): Updateable<ExecutionsTable> {
  const row: Updateable<ExecutionsTable> = {}
  if (patch.status !== undefined) row.status = patch.status
  if (patch.vars !== undefined) row.vars = encodeJson(patch.vars, `the vars of execution ${executionId}`)
  if (patch.outputs !== undefined) row.outputs = encodeJson(patch.outputs, `the outputs of execution ${executionId}`)
  if (patch.error !== undefined) row.error = encodeNullableJson(patch.error, `the error of execution ${executionId}`)
  if (patch.startedAt !== undefined) row.started_at = patch.startedAt
  if (patch.completedAt !== undefined) row.completed_at = patch.completedAt
  if (patch.run !== undefined) row.run = patch.run
  if (patch.deadlineAt !== undefined) row.deadline_at = patch.deadlineAt
  if (patch.timeoutRemainingMs !== undefined) row.timeout_remaining_ms = patch.timeoutRemainingMs
  if (patch.wakeAt !== undefined) row.wake_at = patch.wakeAt
  if (patch.pausedReason !== undefined) row.paused_reason = patch.pausedReason
  if (patch.seenInbox !== undefined) row.seen_inbox = patch.seenInbox
  return row
}

export function stepRow(executionId: string, step: StepRecord): StepRow {
  const what = `step "${step.name}" of execution ${executionId}`
  return {
    execution_id: executionId,
    name: step.name,
    status: step.status,
    attempts: step.attempts,
    failures: step.failures ?? 0,
    output: encodeJson(step.output, `the output of ${what}`),
    error: encodeNullableJson(step.error, `the error of ${what}`),
    started_at: step.startedAt,
    completed_at: step.completedAt,
    wake_at: step.wakeAt,
    remaining_ms: step.remainingMs,
    topic: step.topic,
    reason: step.reason,
    items: step.items === null ? null : encodeItems(step.items, what),
  }
}

/**
 * Encoded `for_each` arrays by identity. A step's items are fixed when it starts and the engine passes the same array
 * with every later commit of the step's row (one per iteration), so a 100,000-item array is encoded once, not once
 * per iteration.
 */
const encodedItems = new WeakMap<readonly unknown[], string>()

function encodeItems(items: readonly unknown[], what: string): string {
  let text = encodedItems.get(items)
  if (text === undefined) {
    text = encodeJson(items, `the items of ${what}`)
    encodedItems.set(items, text)
  }
  return text
}

export function stepFromRow(row: StepRow): StepRecord {
  return {
    name: row.name,
    status: row.status,
    attempts: int(row.attempts),
    failures: int(row.failures),
    output: decodeJson<unknown>(row.output),
    error: decodeNullableJson<ErrorInfo>(row.error),
    startedAt: nullableInt(row.started_at),
    completedAt: nullableInt(row.completed_at),
    wakeAt: nullableInt(row.wake_at),
    remainingMs: nullableInt(row.remaining_ms),
    topic: row.topic,
    reason: row.reason,
    items: decodeNullableJson<unknown[]>(row.items),
  }
}

export function iterationRow(executionId: string, iteration: IterationRecord): IterationRow {
  const what = `iteration ${iteration.index} of step "${iteration.step}" of execution ${executionId}`
  return {
    execution_id: executionId,
    step: iteration.step,
    idx: iteration.index,
    status: iteration.status,
    attempts: iteration.attempts,
    failures: iteration.failures ?? 0,
    output: encodeJson(iteration.output, `the output of ${what}`),
    error: encodeNullableJson(iteration.error, `the error of ${what}`),
    started_at: iteration.startedAt,
    completed_at: iteration.completedAt,
    wake_at: iteration.wakeAt,
    remaining_ms: iteration.remainingMs,
  }
}

export function iterationFromRow(row: IterationRow): IterationRecord {
  return {
    step: row.step,
    index: int(row.idx),
    status: row.status,
    attempts: int(row.attempts),
    failures: int(row.failures),
    output: decodeJson<unknown>(row.output),
    error: decodeNullableJson<ErrorInfo>(row.error),
    startedAt: nullableInt(row.started_at),
    completedAt: nullableInt(row.completed_at),
    wakeAt: nullableInt(row.wake_at),
    remainingMs: nullableInt(row.remaining_ms),
  }
}

/** The row of an event about to be appended as number `seq`, written at `at` (epoch ms). */
export function eventRow(executionId: string, seq: number, at: number, event: PendingEvent): EventRow {
  return {
    execution_id: executionId,
    seq,
    type: event.type,
    at,
    step: event.step,
    attempt: event.attempt,
    idx: event.index,
    data: encodeJson(event.data, `the data of event ${event.type} of execution ${executionId}`),
  }
}

/** An event as appended: the pending event plus its number, execution and time (the caller's `data` object). */
export function storedEvent(executionId: string, seq: number, at: number, event: PendingEvent): TrellisEvent {
  return {
    seq,
    type: event.type,
    execution_id: executionId,
    at: new Date(at).toISOString(),
    step: event.step,
    attempt: event.attempt,
    index: event.index,
    data: event.data,
  } as TrellisEvent
}

export function eventFromRow(row: EventRow): TrellisEvent {
  return {
    seq: int(row.seq),
    type: row.type,
    execution_id: row.execution_id,
    at: new Date(int(row.at)).toISOString(),
    step: row.step,
    attempt: nullableInt(row.attempt),
    index: nullableInt(row.idx),
    data: decodeJson<unknown>(row.data),
  } as TrellisEvent
}

export function signalFromRow(row: SignalRow): SignalRecord {
  return {
    id: int(row.id),
    topic: row.topic,
    data: decodeJson<unknown>(row.data),
    createdAt: int(row.created_at),
    consumedBy: row.consumed_by,
  }
}

/**
 * The last item for each key, in first-seen order. A row given twice in one commit means its final state; one
 * multi-row upsert must not name a key twice (PostgreSQL refuses: "cannot affect row a second time").
 */
function lastPerKey<T>(items: readonly T[], key: (item: T) => string): readonly T[] {
  if (items.length < 2) return items
  const byKey = new Map<string, T>()
  for (const item of items) byKey.set(key(item), item)
  return byKey.size === items.length ? items : [...byKey.values()]
}

/** Everything a commit writes, encoded: rows once per key, events not numbered yet (`seq` 0). */
export interface EncodedChanges {
  readonly patch: Updateable<ExecutionsTable>
  readonly steps: readonly StepRow[]
  readonly iterations: readonly IterationRow[]
  readonly events: EventRow[]
}

/**
 * Encodes every value of a commit first, so a value that is not JSON fails (TypeError) before anything is written.
 * Shared by both stores' commit paths.
 */
export function encodeChanges(executionId: string, changes: ExecutionChanges, now: number): EncodedChanges {
  const id = executionId
  return {
    patch: changes.execution === undefined ? {} : executionPatchRow(id, changes.execution),
    steps: lastPerKey(changes.steps ?? [], (step) => step.name).map((step) => stepRow(id, step)),
    iterations: lastPerKey(changes.iterations ?? [], (it) => `${it.step}\u0000${it.index}`).map((it) =>
      iterationRow(id, it),
    ),
    events: (changes.events ?? []).map((event) => eventRow(id, 0, now, event)),
  }
}
