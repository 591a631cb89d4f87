import type { ExecutionChanges, Lease } from '../index.js'
import {
  ATTEMPT_VALUE_COLUMNS,
  encodeChanges,
  ITERATION_VALUE_COLUMNS,
  NO_INDEX,
  STEP_VALUE_COLUMNS,
  type AttemptRow,
  type EncodedChanges,
  type NewExecutionRow,
} from '../sql/index.js'

/**
 * The execution columns a commit may patch, with their PostgreSQL types. A commit's patch sets some of them; the
 * batch statement carries every column for every commit plus a bit mask of the ones it sets.
 */
const PATCH_COLUMNS = [
  ['status', 'text'],
  ['vars', 'text'],
  ['outputs', 'text'],
  ['error', 'text'],
  ['started_at', 'bigint'],
  ['completed_at', 'bigint'],
  ['run', 'int'],
  ['deadline_at', 'bigint'],
  ['timeout_remaining_ms', 'bigint'],
  ['wake_at', 'bigint'],
  ['paused_reason', 'text'],
  ['seen_inbox', 'bigint'],
] as const

type PatchColumn = (typeof PATCH_COLUMNS)[number][0]

const STEP_TYPES: Record<(typeof STEP_VALUE_COLUMNS)[number], string> = {
  status: 'text',
  attempts: 'int',
  failures: 'int',
  output: 'text',
  error: 'text',
  started_at: 'bigint',
  completed_at: 'bigint',
  wake_at: 'bigint',
  remaining_ms: 'bigint',
  topic: 'text',
  reason: 'text',
  items: 'text',
}

/** An iteration's value columns are a subset of a step's, with the same types. */
const ITERATION_TYPES: Record<(typeof ITERATION_VALUE_COLUMNS)[number], string> = STEP_TYPES

/** Event columns; `back` is how far the event's number lies below the execution's new `last_seq`. */
const EVENT_INPUT = [
  ['execution_id', 'text'],
  ['back', 'bigint'],
  ['type', 'text'],
  ['at', 'bigint'],
  ['step', 'text'],
  ['attempt', 'int'],
  ['idx', 'int'],
  ['data', 'text'],
] as const

/** `column` set from `v` when the commit's mask says it patches it, else kept. */
function patched(column: PatchColumn): string {
  const bit = PATCH_COLUMNS.findIndex(([name]) => name === column)
  return `case when v.mask & ${1 << bit} <> 0 then v.${column} else e.${column} end`
}

/** The lease columns a release clears (`releaseLease`); the token is kept, so tokens never go back. */
const RELEASED = ['holder_id', 'holder_host', 'holder_pid', 'lease_expires_at'] as const

/** A column list as `unnest($k::type[], …) as alias(col, …)`, numbering parameters from `first`. */
function unnest(alias: string, columns: readonly (readonly [string, string])[], first: number): string {
  const arrays = columns.map(([, type], i) => `$${first + i}::${type}[]`).join(', ')
  return `unnest(${arrays}) as ${alias}(${columns.map(([name]) => name).join(', ')})`
}

function upsertSet(columns: readonly string[]): string {
  return columns.map((column) => `${column} = excluded.${column}`).join(', ')
}

const EXECUTION_INPUT = [
  ['id', 'text'],
  ['holder_id', 'text'],
  ['token', 'bigint'],
  ['n', 'int'],
  ['now', 'bigint'],
  ['mask', 'int'],
  ['release', 'bool'],
  // A detached execution's decision (`version` not null) is fenced by the version and inbox it was decided on, and
  // by the ended attempt's lease, instead of by a holder's lease.
  ['version', 'bigint'],
  ['inbox', 'bigint'],
  ['ended_step', 'text'],
  ['ended_idx', 'int'],
  ['ended_attempt', 'int'],
  ['ended_holder', 'text'],
  ['ended_token', 'bigint'],
  ...PATCH_COLUMNS,
] as const
/** The columns of EXECUTION_INPUT before the patch columns. */
const HEAD = EXECUTION_INPUT.length - PATCH_COLUMNS.length

const STEP_INPUT = [
  ['execution_id', 'text'],
  ['name', 'text'],
  ...STEP_VALUE_COLUMNS.map((column) => [column, STEP_TYPES[column]] as const),
] as const
const ITERATION_INPUT = [
  ['execution_id', 'text'],
  ['step', 'text'],
  ['idx', 'int'],
  ...ITERATION_VALUE_COLUMNS.map((column) => [column, ITERATION_TYPES[column]] as const),
] as const

/** Every column of a new execution row (`newExecutionRow`), with its type. */
const CREATE_INPUT = [
  ['id', 'text'],
  ['workflow', 'text'],
  ['definition', 'text'],
  ['status', 'text'],
  ['inputs', 'text'],
  ['vars', 'text'],
  ['outputs', 'text'],
  ['error', 'text'],
  ['created_at', 'bigint'],
  ['started_at', 'bigint'],
  ['completed_at', 'bigint'],
  ['updated_at', 'bigint'],
  ['parent_id', 'text'],
  ['parent_step', 'text'],
  ['parent_index', 'int'],
  ['run', 'int'],
  ['last_seq', 'bigint'],
  ['deadline_at', 'bigint'],
  ['timeout_remaining_ms', 'bigint'],
  ['wake_at', 'bigint'],
  ['paused_reason', 'text'],
  ['requests', 'text'],
  ['inbox', 'bigint'],
  ['seen_inbox', 'bigint'],
  ['holder_id', 'text'],
  ['holder_host', 'text'],
  ['holder_pid', 'int'],
  ['lease_token', 'bigint'],
  ['lease_expires_at', 'bigint'],
] as const satisfies readonly (readonly [keyof NewExecutionRow, string])[]

/** Attempt rows a detached decision removes (ended or aborted). */
const DELETE_ATTEMPT_INPUT = [
  ['execution_id', 'text'],
  ['step', 'text'],
  ['idx', 'int'],
] as const

const ATTEMPT_TYPES: Record<(typeof ATTEMPT_VALUE_COLUMNS)[number], string> = {
  attempt: 'int',
  kind: 'text',
  target: 'text',
  input: 'text',
  timeout_ms: 'bigint',
  created_at: 'bigint',
  holder_id: 'text',
  holder_host: 'text',
  holder_pid: 'int',
  lease_token: 'bigint',
  lease_expires_at: 'bigint',
}

/** Attempt rows a detached decision adds (`addedAttemptRows`), replacing a row of the same step or iteration. */
const ADD_ATTEMPT_INPUT = [
  ...DELETE_ATTEMPT_INPUT,
  ...ATTEMPT_VALUE_COLUMNS.map((column) => [column, ATTEMPT_TYPES[column]] as const),
] as const

const STEP_FIRST = 1 + EXECUTION_INPUT.length
const ITERATION_FIRST = STEP_FIRST + STEP_INPUT.length
const EVENT_FIRST = ITERATION_FIRST + ITERATION_INPUT.length
const CREATE_FIRST = EVENT_FIRST + EVENT_INPUT.length
const DELETE_ATTEMPT_FIRST = CREATE_FIRST + CREATE_INPUT.length
const ADD_ATTEMPT_FIRST = DELETE_ATTEMPT_FIRST + DELETE_ATTEMPT_INPUT.length

/**
 * Many executions' commits (and releases) as one statement, so one round trip and one implicit transaction (one WAL
 * flush) serve them all. Every row travels in arrays (`unnest`), so the text never changes and is prepared once per connection.
 *
 * `u` is the fenced UPDATE of each execution row (holder and token must match; an expired lease nobody took is
 * still current), which advances `last_seq` by the commit's event count and `version` by one, and sets the patched
 * columns (`mask`); a release instead clears the holder and leaves a running execution due at once, as
 * `releaseLease` does. The step, iteration and event rows are written only for the executions `u` updated, so a commit
 * whose lease was lost writes nothing at all; the statement returns the executions it updated with their new
 * `last_seq`, from which each event's number follows. A detached execution's decision (`Store.decideUnheld` on the
 * state its caller holds) is fenced instead by the execution's `version` and `inbox` (nobody committed, nothing
 * arrived since it was decided), no holder, and the ended attempt's row still being that lease's; it also removes
 * and adds attempt rows (an added row replaces the one of the same step or iteration: a retry). New executions
 * (`Store.createExecution`) are inserted unless their id exists, and returned with `created` true. All of it
 * commits or none (one statement).
 */
export const BATCH_COMMIT_SQL = `
with v as (select * from ${unnest('v', EXECUTION_INPUT, 1)}),
u as (
  update executions e set
    ${PATCH_COLUMNS.filter(([column]) => column !== 'wake_at')
      .map(([column]) => `${column} = ${patched(column)}`)
      .join(',\n    ')},
    wake_at = case when v.release then (case when e.status = 'running' then 0 else e.wake_at end)
      else ${patched('wake_at')} end,
    ${RELEASED.map((column) => `${column} = case when v.release then null else e.${column} end`).join(',\n    ')},
    updated_at = case when v.release then e.updated_at else v.now end,
    last_seq = e.last_seq + v.n,
    version = e.version + 1
  from v
  where e.id = v.id and (
    (v.version is null and e.holder_id = v.holder_id and e.lease_token = v.token)
    or (v.version is not null and e.holder_id is null and e.version = v.version and e.inbox = v.inbox and (
      v.ended_step is null or exists (
        select 1 from attempts a
        where a.execution_id = e.id and a.step = v.ended_step and a.idx = v.ended_idx
          and a.attempt = v.ended_attempt and a.holder_id = v.ended_holder and a.lease_token = v.ended_token)))
  )
  returning e.id, e.last_seq
),
ad as (
  delete from attempts a using ${unnest('r', DELETE_ATTEMPT_INPUT, DELETE_ATTEMPT_FIRST)}
  where a.execution_id = r.execution_id and a.step = r.step and a.idx = r.idx
    and r.execution_id in (select id from u)
),
ai as (
  insert into attempts (${ADD_ATTEMPT_INPUT.map(([c]) => c).join(', ')})
  select r.* from ${unnest('r', ADD_ATTEMPT_INPUT, ADD_ATTEMPT_FIRST)} where r.execution_id in (select id from u)
  on conflict (execution_id, step, idx) do update set ${upsertSet(ATTEMPT_VALUE_COLUMNS)}
),
s as (
  insert into steps (${STEP_INPUT.map(([c]) => c).join(', ')})
  select r.* from ${unnest('r', STEP_INPUT, STEP_FIRST)} where r.execution_id in (select id from u)
  on conflict (execution_id, name) do update set ${upsertSet(STEP_VALUE_COLUMNS)}
),
i as (
  insert into iterations (${ITERATION_INPUT.map(([c]) => c).join(', ')})
  select r.* from ${unnest('r', ITERATION_INPUT, ITERATION_FIRST)} where r.execution_id in (select id from u)
  on conflict (execution_id, step, idx) do update set ${upsertSet(ITERATION_VALUE_COLUMNS)}
),
ev as (
  insert into events (execution_id, seq, type, at, step, attempt, idx, data)
  select r.execution_id, u.last_seq - r.back, r.type, r.at, r.step, r.attempt, r.idx, r.data
  from ${unnest('r', EVENT_INPUT, EVENT_FIRST)} join u on u.id = r.execution_id
),
c as (
  insert into executions (${CREATE_INPUT.map(([c]) => c).join(', ')})
  select * from ${unnest('r', CREATE_INPUT, CREATE_FIRST)}
  on conflict (id) do nothing
  returning id
)
select id, last_seq, false as created from u
union all
select id, 0, true from c`

/** True when a commit fits the batch statement; the others (requests cleared, iterations reset, signals taken) do not. */
export function batchable(changes: ExecutionChanges): boolean {
  return (
    (changes.clearRequests?.length ?? 0) === 0 &&
    (changes.deleteIterationsOf?.length ?? 0) === 0 &&
    (changes.consumeSignals?.length ?? 0) === 0
  )
}

/** What fences an entry: a holder's lease, or, for a detached execution, the state its decision was taken on. */
export type BatchFence =
  | { readonly kind: 'lease'; readonly holderId: string; readonly token: number }
  | {
      readonly kind: 'version'
      readonly version: number
      readonly inbox: number
      /** The attempt whose end was decided: its row must still be this lease's. */
      readonly ended: {
        readonly step: string
        readonly index: number | null
        readonly attempt: number
        readonly holderId: string
        readonly token: number
      } | null
    }

/** One commit, release or detached decision of a batch, encoded. */
export interface BatchEntry {
  readonly executionId: string
  readonly fence: BatchFence
  readonly encoded: EncodedChanges
  readonly eventCount: number
  /** A release (`Store.release`): no changes; the holder is cleared. */
  readonly release: boolean
  /** Attempt rows to remove (none of them one that `addAttempts` replaces). */
  readonly removeAttempts: readonly { readonly step: string; readonly index: number | null }[]
  readonly addAttempts: readonly AttemptRow[]
}

/** What one batch statement writes: entries of existing executions, and new executions. */
export interface Batch {
  readonly entries: readonly BatchEntry[]
  /** The `now` of each entry. */
  readonly now: readonly number[]
  readonly creates: readonly NewExecutionRow[]
}

const EMPTY_CHANGES: EncodedChanges = { patch: {}, steps: [], iterations: [], events: [] }

/** Encodes a commit for the batch; throws a TypeError for a value that is not JSON (before anything is sent). */
export function encodeCommit(lease: Lease, changes: ExecutionChanges, now: number): BatchEntry {
  return {
    executionId: lease.executionId,
    fence: { kind: 'lease', holderId: lease.holderId, token: lease.token },
    encoded: encodeChanges(lease.executionId, changes, now),
    eventCount: changes.events?.length ?? 0,
    release: false,
    removeAttempts: [],
    addAttempts: [],
  }
}

/** A release for the batch. */
export function releaseEntry(lease: Lease): BatchEntry {
  return {
    executionId: lease.executionId,
    fence: { kind: 'lease', holderId: lease.holderId, token: lease.token },
    encoded: EMPTY_CHANGES,
    eventCount: 0,
    release: true,
    removeAttempts: [],
    addAttempts: [],
  }
}

/** Encodes a detached decision for the batch (throws a TypeError for a value that is not JSON). */
export function encodeDetached(
  executionId: string,
  fence: Extract<BatchFence, { kind: 'version' }>,
  decision: { changes: ExecutionChanges; removeAttempts: BatchEntry['removeAttempts']; addAttempts: AttemptRow[] },
  now: number,
): BatchEntry {
  const added = new Set(decision.addAttempts.map((row) => `${row.step}\u0000${row.idx}`))
  const removed = [...decision.removeAttempts, ...(fence.ended === null ? [] : [fence.ended])]
  return {
    executionId,
    fence,
    encoded: encodeChanges(executionId, decision.changes, now),
    eventCount: decision.changes.events?.length ?? 0,
    release: false,
    // A row the decision adds again (a retry) is replaced by the upsert, not removed first.
    removeAttempts: removed.filter((key) => !added.has(`${key.step}\u0000${key.index ?? NO_INDEX}`)),
    addAttempts: decision.addAttempts,
  }
}

/** The parameters of `BATCH_COMMIT_SQL` for a batch (one execution at most once), in column-major arrays. */
export function batchParameters({ entries, now, creates }: Batch): unknown[][] {
  const execution: unknown[][] = EXECUTION_INPUT.map(() => [])
  const steps: unknown[][] = STEP_INPUT.map(() => [])
  const iterations: unknown[][] = ITERATION_INPUT.map(() => [])
  const events: unknown[][] = EVENT_INPUT.map(() => [])
  const removeAttempts: unknown[][] = DELETE_ATTEMPT_INPUT.map(() => [])
  const addAttempts: unknown[][] = ADD_ATTEMPT_INPUT.map(() => [])
  entries.forEach((entry, e) => {
    const { encoded, eventCount, release } = entry
    const patch = encoded.patch as Partial<Record<PatchColumn, unknown>>
    let mask = 0
    PATCH_COLUMNS.forEach(([column], bit) => {
      const value = patch[column]
      if (value !== undefined) mask |= 1 << bit
      execution[HEAD + bit]!.push(value ?? null)
    })
    const { fence } = entry
    const lease = fence.kind === 'lease' ? fence : null
    const version = fence.kind === 'version' ? fence : null
    const ended = version?.ended ?? null
    const head = [
      entry.executionId,
      lease?.holderId ?? null,
      lease?.token ?? null,
      eventCount,
      now[e],
      mask,
      release,
      version?.version ?? null,
      version?.inbox ?? null,
      ended?.step ?? null,
      ended === null ? null : (ended.index ?? NO_INDEX),
      ended?.attempt ?? null,
      ended?.holderId ?? null,
      ended?.token ?? null,
    ]
    head.forEach((value, i) => execution[i]!.push(value))
    for (const key of entry.removeAttempts) {
      removeAttempts[0]!.push(entry.executionId)
      removeAttempts[1]!.push(key.step)
      removeAttempts[2]!.push(key.index ?? NO_INDEX)
    }
    for (const row of entry.addAttempts) appendRow(addAttempts, ADD_ATTEMPT_INPUT, row)
    for (const row of encoded.steps) appendRow(steps, STEP_INPUT, row)
    for (const row of encoded.iterations) appendRow(iterations, ITERATION_INPUT, row)
    encoded.events.forEach((row, k) => {
      const values = [row.execution_id, eventCount - 1 - k, row.type, row.at, row.step, row.attempt, row.idx, row.data]
      values.forEach((value, i) => events[i]!.push(value))
    })
  })
  const created: unknown[][] = CREATE_INPUT.map(() => [])
  for (const row of creates) appendRow(created, CREATE_INPUT, row)
  return [...execution, ...steps, ...iterations, ...events, ...created, ...removeAttempts, ...addAttempts]
}

/** Adds a row's values to the column arrays of `columns` (absent values as NULL). */
function appendRow(arrays: unknown[][], columns: readonly (readonly [string, string])[], row: object): void {
  const values = row as Record<string, unknown>
  columns.forEach(([column], i) => arrays[i]!.push(values[column] ?? null))
}
