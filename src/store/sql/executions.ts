import { PostgresAdapter, sql, type Kysely } from 'kysely'
import {
  EXECUTION_STATUSES,
  ExecutionNotFoundError,
  isTerminalStatus,
  type CreateResult,
  type ExecutionFilter,
  type ExecutionRecord,
  type ExecutionSummary,
  type IterationRecord,
  type LoadedExecution,
  type NewExecution,
  type OperatorRequests,
  type StepRecord,
} from '../index.js'
import type { Database, ExecutionRow } from './database.js'
import {
  executionFromRow,
  iterationFromRow,
  newExecutionRow,
  signalFromRow,
  stepFromRow,
  summaryFromRow,
  SUMMARY_COLUMNS,
} from './row-codecs.js'

/** The statuses an execution never leaves on its own, for `IN` lists. */
export const TERMINAL_STATUSES = EXECUTION_STATUSES.filter(isTerminalStatus)

/** The other statuses. `status IN (these)` can use the status index where `NOT IN (terminal)` cannot. */
export const LIVE_STATUSES = EXECUTION_STATUSES.filter((status) => !isTerminalStatus(status))

/** Default page size of `listExecutions`. */
export const DEFAULT_LIST_LIMIT = 50

/**
 * Inserts a new execution unless one with its id exists (`ON CONFLICT DO NOTHING`, so concurrent creators of one id
 * never fail) and returns the row it made, or else reads the existing row. With `input.holder` the new row is held
 * (token 1) and the result carries its lease. One statement when the id is new, so it needs no transaction then.
 */
export async function createExecutionIn(db: Kysely<Database>, input: NewExecution): Promise<CreateResult> {
  // Twice at most: outside a transaction the existing row may be deleted (retention) between the two statements.
  for (let round = 1; ; round++) {
    const inserted = await db
      .insertInto('executions')
      .values(newExecutionRow(input))
      .onConflict((oc) => oc.column('id').doNothing())
      .returningAll()
      .executeTakeFirst()
    if (inserted !== undefined) return createdResult(input, inserted)
    const execution = await selectExecution(db, input.id)
    if (execution !== undefined) return { created: false, execution }
    if (round === 2) throw new ExecutionNotFoundError(input.id)
  }
}

/** What `createExecution` returns for the row it inserted: the record, and the lease when created held. */
export function createdResult(input: NewExecution, row: ExecutionRow): CreateResult {
  const execution = executionFromRow(row)
  const holder = input.holder
  if (holder === undefined) return { created: true, execution }
  const lease = {
    executionId: input.id,
    holderId: holder.identity.id,
    token: Number(row.lease_token),
    expiresAt: Number(row.lease_expires_at),
  }
  return { created: true, execution, lease }
}

export async function selectExecution(db: Kysely<Database>, id: string): Promise<ExecutionRecord | undefined> {
  const row = await db.selectFrom('executions').selectAll().where('id', '=', id).executeTakeFirst()
  return row === undefined ? undefined : executionFromRow(row)
}

/** Steps ordered by name, iterations by step and index. */
export async function selectSteps(
  db: Kysely<Database>,
  id: string,
): Promise<{ steps: StepRecord[]; iterations: IterationRecord[] }> {
  const steps = await db.selectFrom('steps').selectAll().where('execution_id', '=', id).orderBy('name').execute()
  const iterations = await db
    .selectFrom('iterations')
    .selectAll()
    .where('execution_id', '=', id)
    .orderBy('step')
    .orderBy('idx')
    .execute()
  return { steps: steps.map(stepFromRow), iterations: iterations.map(iterationFromRow) }
}

/** The row, its steps and iterations, and its untaken signals in the order they were sent. Call in a transaction. */
export async function selectLoadedExecution(db: Kysely<Database>, id: string): Promise<LoadedExecution | undefined> {
  const execution = await selectExecution(db, id)
  if (execution === undefined) return undefined
  const { steps, iterations } = await selectSteps(db, id)
  const signals = await db
    .selectFrom('signals')
    .selectAll()
    .where('execution_id', '=', id)
    .where('consumed_by', 'is', null)
    .orderBy('id')
    .execute()
  return { execution, steps, iterations, signals: signals.map(signalFromRow) }
}

/** Newest first by (created_at, id), filtered, from the `before` cursor on. */
export async function selectSummaries(db: Kysely<Database>, filter: ExecutionFilter): Promise<ExecutionSummary[]> {
  const limit = filter.limit ?? DEFAULT_LIST_LIMIT
  if (limit <= 0) return []
  let query = db.selectFrom('executions').select(SUMMARY_COLUMNS)
  if (filter.status !== undefined) query = query.where('status', '=', filter.status)
  if (filter.workflow !== undefined) query = query.where('workflow', '=', filter.workflow)
  if (filter.parentId !== undefined) query = query.where('parent_id', '=', filter.parentId)
  const prefix = filter.idPrefix
  if (prefix !== undefined && prefix !== '') {
    // `id LIKE 'p%'` would need escaping and uses no index on SQLite (LIKE ignores case there) nor on PostgreSQL
    // under any collation but C/POSIX; the range [p, successor of p) is the same set and walks the primary key.
    const upper = prefixSuccessor(prefix)
    const id = (await ordersByCodePoint(db)) ? sql.ref<string>('id') : sql<string>`id collate "C"`
    query = query.where(id, '>=', prefix)
    if (upper !== null) query = query.where(id, '<', upper)
  }
  const before = filter.before
  if (before !== undefined) {
    query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(before.createdAt, before.id)))
  }
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute()
  return rows.map(summaryFromRow)
}

/**
 * The least string greater than every string that starts with `prefix`, in code point order: its last code point
 * plus one (trailing U+10FFFF dropped first). Null when there is none (the prefix is all U+10FFFF).
 */
export function prefixSuccessor(prefix: string): string | null {
  const points = Array.from(prefix)
  while (points.length > 0) {
    const last = points.pop()!.codePointAt(0)!
    if (last < 0x10ffff) {
      // Skip the surrogate block: no well-formed string holds those code points.
      const next = last + 1 >= 0xd800 && last + 1 <= 0xdfff ? 0xe000 : last + 1
      return points.join('') + String.fromCodePoint(next)
    }
  }
  return null
}

/** Per Kysely instance (its dialect adapter): whether text compares in code point order there. */
const codePointOrder = new WeakMap<object, Promise<boolean>>()

/**
 * Whether `id` compares in code point order on this database, so a prefix is exactly a range of the primary key.
 * SQLite compares TEXT with BINARY (the bytes of UTF-8: code point order). PostgreSQL uses the database's
 * collation: C, POSIX and C.UTF-8 (libc) and the builtin provider's locales order by code point; a linguistic one
 * (en_US.UTF-8, ICU) does not (there `'a-z' > 'a.'`: the prefix `a-` is no range), and the range is then compared
 * under `COLLATE "C"`, exact but without the index. Asked once per store.
 */
function ordersByCodePoint(db: Kysely<Database>): Promise<boolean> {
  const adapter = db.getExecutor().adapter
  if (!(adapter instanceof PostgresAdapter)) return Promise.resolve(true)
  let known = codePointOrder.get(adapter)
  if (known === undefined) {
    // `select *`: datlocprovider exists from PostgreSQL 15 on (libc before).
    known = sql<Record<string, unknown>>`select * from pg_database where datname = current_database()`
      .execute(db)
      .then(({ rows }) => {
        const row = rows[0] ?? {}
        const text = (value: unknown): string => (typeof value === 'string' ? value : '')
        const provider = text(row['datlocprovider']) || 'c'
        if (provider === 'b') return true
        return provider === 'c' && /^(c|posix)(\.utf-?8)?$/i.test(text(row['datcollate']))
      })
    // A failed probe is asked again next time, not remembered.
    known.catch(() => codePointOrder.delete(adapter))
    codePointOrder.set(adapter, known)
  }
  return known
}

/** Children of an execution in the order they were created. */
export async function selectChildren(db: Kysely<Database>, parentId: string): Promise<ExecutionSummary[]> {
  const rows = await db
    .selectFrom('executions')
    .select(SUMMARY_COLUMNS)
    .where('parent_id', '=', parentId)
    .orderBy('created_at')
    .orderBy('id')
    .execute()
  return rows.map(summaryFromRow)
}

/**
 * Stores an operator request in the execution's `requests` and bumps its inbox. Reads then writes the row: call in
 * a write transaction, with `lock` (SELECT … FOR UPDATE) where the dialect needs it. Throws ExecutionNotFoundError.
 */
export async function storeRequest(
  db: Kysely<Database>,
  id: string,
  request: { kind: 'pause' | 'cancel' | 'resume'; reason: string | null; now: number },
  options: { lock: boolean },
): Promise<ExecutionRecord> {
  const row = await db
    .selectFrom('executions')
    .select('requests')
    .where('id', '=', id)
    .$if(options.lock, (q) => q.forUpdate())
    .executeTakeFirst()
  if (row === undefined) throw new ExecutionNotFoundError(id)
  const { kind, reason, now } = request
  const requests: OperatorRequests = {
    ...(JSON.parse(row.requests) as OperatorRequests),
    [kind]: kind === 'resume' ? { at: now } : { reason, at: now },
  }
  const updated = await db
    .updateTable('executions')
    .set((eb) => ({ requests: JSON.stringify(requests), inbox: eb('inbox', '+', 1), updated_at: now }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow()
  return executionFromRow(updated)
}

/** Inbox counters of the executions `holderId` holds. */
export async function selectInboxes(db: Kysely<Database>, holderId: string): Promise<Map<string, number>> {
  const rows = await db.selectFrom('executions').select(['id', 'inbox']).where('holder_id', '=', holderId).execute()
  return new Map(rows.map((row) => [row.id, Number(row.inbox)]))
}

/** Earliest `wake_at` of a non-terminal execution that nobody holds, or whose lease has expired. */
export async function selectNextUnheldWakeAt(db: Kysely<Database>, now: number): Promise<number | null> {
  const row = await db
    .selectFrom('executions')
    .select((eb) => eb.fn.min('wake_at').as('wake_at'))
    .where('wake_at', 'is not', null) // walks the wake_at index in order and stops at the first unheld live row
    .where('status', 'not in', TERMINAL_STATUSES)
    .where((eb) => eb.or([eb('holder_id', 'is', null), eb('lease_expires_at', '<=', now)]))
    .executeTakeFirst()
  return row?.wake_at === null || row?.wake_at === undefined ? null : Number(row.wake_at)
}
