import { sql, type Expression, type Kysely } from 'kysely'
import type {
  AttemptRecord,
  ClaimedAttempt,
  DecideUnheldRequest,
  DecideUnheldResult,
  DueQuery,
  HolderIdentity,
  NewAttempt,
} from '../index.js'
import { chunks } from './chunks.js'
import { applyChanges, replaceColumns } from './commit.js'
import type { AttemptRow, Database } from './database.js'
import { LIVE_STATUSES, selectLoadedExecution } from './executions.js'
import { isUnheld, LEASE_COLUMNS, leaseStateFromRow, selectLeaseState } from './leases.js'
import { encodeJson } from './row-codecs.js'

/** `idx` of a step that is not a `for_each` iteration (a primary key column cannot be NULL). */
export const NO_INDEX = -1

/** The columns of an attempt row besides its key (`execution_id`, `step`, `idx`). */
export const ATTEMPT_VALUE_COLUMNS = [
  'attempt',
  'kind',
  'target',
  'input',
  'timeout_ms',
  'created_at',
  'holder_id',
  'holder_host',
  'holder_pid',
  'lease_token',
  'lease_expires_at',
] as const satisfies readonly (keyof AttemptRow)[]

export function attemptFromRow(row: AttemptRow): AttemptRecord {
  return {
    executionId: row.execution_id,
    step: row.step,
    index: Number(row.idx) === NO_INDEX ? null : Number(row.idx),
    attempt: Number(row.attempt),
    kind: row.kind,
    target: row.target,
    input: JSON.parse(row.input) as unknown,
    timeoutMs: row.timeout_ms === null ? null : Number(row.timeout_ms),
    createdAt: Number(row.created_at),
    holderId: row.holder_id,
    token: Number(row.lease_token),
    expiresAt: row.lease_expires_at === null ? null : Number(row.lease_expires_at),
  }
}

/** A claimed row as the claimer's lease. */
export function claimedFromRow(row: AttemptRow): ClaimedAttempt {
  const record = attemptFromRow(row)
  if (record.holderId === null || record.expiresAt === null) throw new Error('unreachable: an unclaimed attempt')
  return { ...record, holderId: record.holderId, expiresAt: record.expiresAt }
}

/**
 * `Store.decideUnheld` inside a write transaction. `lock` takes the execution row with FOR UPDATE (PostgreSQL; on
 * SQLite `BEGIN IMMEDIATE` already excludes every other writer). In order: the row is locked, a live holder
 * answers `held` (an expired or gone one is cleared: the execution becomes detached), the ended attempt's row is
 * checked against its lease and removed, the execution and its attempt rows are read and given to `decide`, and
 * what it returns is written: the changes (fenced by the unchanged token), the removed and the added attempt rows,
 * the first `take.limit` added ones claimed for `take.holder`.
 */
export async function decideUnheldIn(
  db: Kysely<Database>,
  request: DecideUnheldRequest,
  options: { lock: boolean },
): Promise<DecideUnheldResult> {
  const { executionId: id, now, ended, take } = request
  const row = await db
    .selectFrom('executions')
    .select([...LEASE_COLUMNS, 'version', 'inbox'])
    .where('id', '=', id)
    .$if(options.lock, (q) => q.forUpdate())
    .$if(options.lock && request.skipLocked === true, (q) => q.skipLocked())
    .executeTakeFirst()
  if (row === undefined) {
    if (request.skipLocked !== true) return { outcome: 'not-found' }
    return { outcome: (await selectLeaseState(db, id, { lock: false })) === undefined ? 'not-found' : 'busy' }
  }
  const lease = leaseStateFromRow(row)
  const version = Number(row.version)
  // Several workers race for the same due execution: the losers find nothing due any more, and stop here.
  if (request.onlyIfDue === true && !(await isDue(db, id, now))) return { outcome: 'busy' }
  if (lease.holderId !== null) {
    if (!isUnheld(lease, now, request.isGone)) return { outcome: 'held' }
    await db
      .updateTable('executions')
      .set({ holder_id: null, holder_host: null, holder_pid: null, lease_expires_at: null })
      .where('id', '=', id)
      .execute()
  }
  if (ended !== undefined) {
    const removed = await db
      .deleteFrom('attempts')
      .where('execution_id', '=', id)
      .where('step', '=', ended.step)
      .where('idx', '=', ended.index ?? NO_INDEX)
      .where('attempt', '=', ended.attempt)
      .where('holder_id', '=', ended.holderId)
      .where('lease_token', '=', ended.token)
      .executeTakeFirst()
    if (removed.numDeletedRows !== 1n) return { outcome: 'lease-lost' }
  }
  const decision = await request.decide({
    version,
    inbox: Number(row.inbox),
    load: async () => {
      const loaded = await selectLoadedExecution(db, id)
      if (loaded === undefined) throw new Error(`unreachable: execution ${id} is locked but cannot be read`)
      const attempts = await db.selectFrom('attempts').selectAll().where('execution_id', '=', id).execute()
      return { loaded, attempts: attempts.map(attemptFromRow) }
    },
  })
  if (decision === null) return { outcome: 'decided', events: [], taken: [], added: 0, version }

  for (const part of chunks(decision.removeAttempts)) {
    await db
      .deleteFrom('attempts')
      .where('execution_id', '=', id)
      .where((eb) =>
        eb.or(part.map((key) => eb.and([eb('step', '=', key.step), eb('idx', '=', key.index ?? NO_INDEX)]))),
      )
      .execute()
  }
  const events = await applyChanges(db, { executionId: id, holderId: null, token: lease.token }, decision.changes, now)
  const { rows: rowsToInsert, taken } = addedAttemptRows(id, decision.addAttempts, now, take)
  for (const part of chunks(rowsToInsert)) {
    // An attempt started again (a retry, a restart after its worker died) replaces the row of the one before.
    await db
      .insertInto('attempts')
      .values(part)
      .onConflict((oc) =>
        oc.columns(['execution_id', 'step', 'idx']).doUpdateSet(replaceColumns(ATTEMPT_VALUE_COLUMNS)),
      )
      .execute()
  }
  return { outcome: 'decided', events, taken, added: rowsToInsert.length, version: version + 1 }
}

/**
 * The rows of the attempts a decision adds, the first `take.limit` of them claimed for `take.holder`, and those
 * claimed ones as the holder's leases.
 */
export function addedAttemptRows(
  executionId: string,
  attempts: readonly NewAttempt[],
  now: number,
  take: DecideUnheldRequest['take'],
): { rows: AttemptRow[]; taken: ClaimedAttempt[] } {
  const limit = take === undefined ? 0 : Math.max(0, take.limit)
  const claim = take === undefined ? null : { holder: take.holder, expiresAt: now + take.leaseMs }
  const rows = attempts.map((attempt, i) => attemptRow(executionId, attempt, now, i < limit ? claim : null))
  return { rows, taken: rows.slice(0, limit).map(claimedFromRow) }
}

/** The row of an attempt a decision adds, claimed for `claim.holder` when given (token 1). */
function attemptRow(
  executionId: string,
  attempt: NewAttempt,
  now: number,
  claim: { holder: HolderIdentity; expiresAt: number } | null,
): AttemptRow {
  return {
    execution_id: executionId,
    step: attempt.step,
    idx: attempt.index ?? NO_INDEX,
    attempt: attempt.attempt,
    kind: attempt.kind,
    target: attempt.target,
    input: encodeJson(attempt.input, `the input of step "${attempt.step}"`),
    timeout_ms: attempt.timeoutMs,
    created_at: now,
    holder_id: claim?.holder.id ?? null,
    holder_host: claim?.holder.host ?? null,
    holder_pid: claim?.holder.pid ?? null,
    lease_token: claim === null ? 0 : 1,
    lease_expires_at: claim?.expiresAt ?? null,
  }
}

/**
 * The claimable attempts, oldest first: nobody holds them and their execution is detached (no live holder). The
 * query a dialect runs inside its claim (SQLite: in `BEGIN IMMEDIATE`; PostgreSQL: with its own locking clause).
 */
export function claimableAttemptsQuery(db: Kysely<Database>, now: number) {
  return db
    .selectFrom('attempts as a')
    .innerJoin('executions as e', 'e.id', 'a.execution_id')
    .select(['a.execution_id', 'a.step', 'a.idx'])
    .where('a.holder_id', 'is', null)
    .where((eb) => eb.or([eb('e.holder_id', 'is', null), eb('e.lease_expires_at', '<=', now)]))
    .orderBy('a.created_at')
}

/** Marks the selected rows claimed by `holder` (token + 1, lease until `now + leaseMs`) and returns them. */
export async function claimAttemptsIn(
  db: Kysely<Database>,
  request: { holder: HolderIdentity; limit: number; now: number; leaseMs: number },
  /** The rows to claim: `claimableAttemptsQuery` with the limit and the dialect's locking clause. */
  candidates: Expression<unknown>,
): Promise<ClaimedAttempt[]> {
  const { holder, limit, now, leaseMs } = request
  if (limit <= 0) return []
  const rows = await db
    .updateTable('attempts')
    .set((eb) => ({
      holder_id: holder.id,
      holder_host: holder.host,
      holder_pid: holder.pid,
      lease_token: eb('lease_token', '+', 1),
      lease_expires_at: now + leaseMs,
    }))
    .where(sql<boolean>`(execution_id, step, idx) in (${candidates})`)
    .returningAll()
    .execute()
  return rows.sort((a, b) => Number(a.created_at) - Number(b.created_at)).map(claimedFromRow)
}

/** Extends the leases of every attempt `holderId` holds; returns them (rows others took or removed are absent). */
export async function renewAttemptsIn(
  db: Kysely<Database>,
  holderId: string,
  now: number,
  leaseMs: number,
): Promise<ClaimedAttempt[]> {
  const rows = await db
    .updateTable('attempts')
    .set({ lease_expires_at: now + leaseMs })
    .where('holder_id', '=', holderId)
    .returningAll()
    .execute()
  return rows.map(claimedFromRow)
}

/** The attempts `holderId` holds (see `Store.heldAttempts`). */
export async function selectHeldAttempts(db: Kysely<Database>, holderId: string): Promise<ClaimedAttempt[]> {
  const rows = await db.selectFrom('attempts').selectAll().where('holder_id', '=', holderId).execute()
  return rows.map(claimedFromRow)
}

/**
 * Gives up attempts (graceful shutdown): their leases end now, so any worker starts them again as new attempts at
 * once instead of after the lease would have run out. With `keys`, only those; otherwise every one `holderId` has.
 */
export async function releaseAttemptsIn(
  db: Kysely<Database>,
  holderId: string,
  now: number,
  keys?: readonly ClaimedAttempt[],
): Promise<number> {
  let query = db.updateTable('attempts').set({ lease_expires_at: now }).where('holder_id', '=', holderId)
  if (keys !== undefined) {
    if (keys.length === 0) return 0
    query = query.where((eb) =>
      eb.or(
        keys.map((k) =>
          eb.and([
            eb('execution_id', '=', k.executionId),
            eb('step', '=', k.step),
            eb('idx', '=', k.index ?? NO_INDEX),
            eb('lease_token', '=', k.token),
          ]),
        ),
      ),
    )
  }
  const result = await query.executeTakeFirst()
  return Number(result.numUpdatedRows)
}

/**
 * Executions with a decision due and no live holder, oldest first: new (`pending`) ones, ones whose holder's lease
 * has expired (or, with `heldToo`, any held one, for the caller's `isGone`), due timers, news (a signal or an
 * operator request nobody applied), and attempts whose worker's lease has run out.
 */
export async function selectDueExecutions(db: Kysely<Database>, options: DueQuery): Promise<string[]> {
  const { now, limit, isGone } = options
  const heldToo = isGone !== undefined
  const rows = await dueExecutionsQuery(db, now, options.startNew ?? true)
    .$if(!heldToo, (q) => q.where((eb) => eb.or([eb('holder_id', 'is', null), eb('lease_expires_at', '<=', now)])))
    .orderBy('created_at')
    .orderBy('id')
    .limit(heldToo ? limit * 4 + 100 : limit)
    .execute()
  const due: string[] = []
  for (const row of rows) {
    if (!isUnheld(leaseStateFromRow(row), now, isGone)) continue
    due.push(row.id)
    if (due.length === limit) break
  }
  return due
}

/** Whether the execution still has a decision due (asked under its row lock, after another worker may have taken it). */
export async function isDue(db: Kysely<Database>, id: string, now: number): Promise<boolean> {
  const row = await dueExecutionsQuery(db, now).where('id', '=', id).executeTakeFirst()
  return row !== undefined
}

/** Live executions with a decision due, whoever holds them (see `selectDueExecutions`). */
function dueExecutionsQuery(db: Kysely<Database>, now: number, startNew = true) {
  return db
    .selectFrom('executions')
    .select(LEASE_COLUMNS)
    .where(
      'status',
      'in',
      LIVE_STATUSES.map((status) => sql.lit(status)),
    )
    .where((eb) =>
      eb.or([
        ...(startNew ? [eb('status', '=', 'pending')] : []),
        eb('holder_id', 'is not', null),
        eb.and([eb('status', 'in', ['running', 'suspended']), eb('wake_at', '<=', now)]),
        eb('inbox', '>', eb.ref('seen_inbox')),
        eb(
          'id',
          'in',
          eb
            .selectFrom('attempts')
            .select('execution_id')
            .where('holder_id', 'is not', null)
            .where('lease_expires_at', '<=', now),
        ),
      ]),
    )
}

/** Attempts waiting for a worker (the queue depth of `/metrics`). */
export async function countReadyAttempts(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('attempts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('holder_id', 'is', null)
    .executeTakeFirst()
  return Number(row?.n ?? 0)
}

/** Earliest lease expiry among attempts others hold (a worker's wake-up to restart a dead worker's attempts). */
export async function selectNextAttemptExpiry(db: Kysely<Database>, holderId: string): Promise<number | null> {
  const row = await db
    .selectFrom('attempts')
    .select((eb) => eb.fn.min('lease_expires_at').as('at'))
    .where('holder_id', 'is not', null)
    .where('holder_id', '!=', holderId)
    .executeTakeFirst()
  return row?.at === null || row?.at === undefined ? null : Number(row.at)
}
