import { sql, type Kysely } from 'kysely'
import { ExecutionNotFoundError, type HolderIdentity, type Lease } from '../index.js'
import type { Database } from './database.js'

/** The caller's test for "the holder process is gone" (same-host pid check on SQLite). */
export type IsGone = (holder: { host: string; pid: number }) => boolean

/** The lease columns of one execution. */
export interface LeaseState {
  readonly id: string
  readonly holderId: string | null
  readonly host: string | null
  readonly pid: number | null
  readonly token: number
  readonly expiresAt: number | null
}

/** The columns `leaseStateFromRow` reads. */
export const LEASE_COLUMNS = [
  'id',
  'holder_id',
  'holder_host',
  'holder_pid',
  'lease_token',
  'lease_expires_at',
] as const

interface LeaseColumns {
  id: string
  holder_id: string | null
  holder_host: string | null
  holder_pid: number | null
  lease_token: number
  lease_expires_at: number | null
}

/** The lease columns of an execution row as a `LeaseState`. */
export function leaseStateFromRow(row: LeaseColumns): LeaseState {
  return {
    id: row.id,
    holderId: row.holder_id,
    host: row.holder_host,
    pid: row.holder_pid === null ? null : Number(row.holder_pid),
    token: Number(row.lease_token),
    expiresAt: row.lease_expires_at === null ? null : Number(row.lease_expires_at),
  }
}

/**
 * True when nobody holds the execution live at `now`: no holder, an expired lease (`expiresAt <= now`), or a holder
 * that `isGone` says has died.
 */
export function isUnheld(state: LeaseState, now: number, isGone?: IsGone): boolean {
  if (state.holderId === null) return true
  if (state.expiresAt === null || state.expiresAt <= now) return true
  return isGone?.({ host: state.host ?? '', pid: state.pid ?? 0 }) === true
}

/**
 * The lease columns of one execution; `lock` adds FOR UPDATE (PostgreSQL), and `skipLocked` SKIP LOCKED (a row
 * another transaction has locked then reads as absent).
 */
export async function selectLeaseState(
  db: Kysely<Database>,
  id: string,
  options: { lock: boolean; skipLocked?: boolean },
): Promise<LeaseState | undefined> {
  const row = await db
    .selectFrom('executions')
    .select(LEASE_COLUMNS)
    .where('id', '=', id)
    .$if(options.lock, (q) => q.forUpdate())
    .$if(options.lock && options.skipLocked === true, (q) => q.skipLocked())
    .executeTakeFirst()
  return row === undefined ? undefined : leaseStateFromRow(row)
}

/**
 * Makes `holder` the holder: the token grows by one (it is kept when a holder is cleared, so it never goes back)
 * and the lease runs until `now + leaseMs`. Call only after deciding, under the write lock, that it may take it.
 */
export async function takeLease(
  db: Kysely<Database>,
  id: string,
  holder: HolderIdentity,
  now: number,
  leaseMs: number,
): Promise<Lease> {
  const expiresAt = now + leaseMs
  const row = await db
    .updateTable('executions')
    .set((eb) => ({
      holder_id: holder.id,
      holder_host: holder.host,
      holder_pid: holder.pid,
      lease_token: eb('lease_token', '+', 1),
      lease_expires_at: expiresAt,
      // A process that attaches may change the execution without workers' decisions: their cached states are stale.
      version: eb('version', '+', 1),
    }))
    .where('id', '=', id)
    .returning('lease_token')
    .executeTakeFirst()
  if (row === undefined) throw new ExecutionNotFoundError(id)
  return { executionId: id, holderId: holder.id, token: Number(row.lease_token), expiresAt }
}

/**
 * `Store.acquire` inside a write transaction: takes the lease when the execution is unheld (see `isUnheld`) or
 * already held by `holder.id` (a re-acquisition, which also gets a new token). Returns undefined when another live
 * holder has it; throws ExecutionNotFoundError.
 */
export async function acquireIn(
  db: Kysely<Database>,
  request: { id: string; holder: HolderIdentity; now: number; leaseMs: number; isGone?: IsGone | undefined },
  options: { lock: boolean },
): Promise<Lease | undefined> {
  const { id, holder, now, leaseMs, isGone } = request
  const state = await selectLeaseState(db, id, options)
  if (state === undefined) throw new ExecutionNotFoundError(id)
  if (state.holderId !== holder.id && !isUnheld(state, now, isGone)) return undefined
  // A detached execution whose attempts live workers hold is theirs: follow it instead. Attempts nobody runs (not
  // claimed yet, or their worker's lease ran out) are dropped: the new holder starts them again itself.
  const attempts = await db
    .selectFrom('attempts')
    .select(['holder_id', 'lease_expires_at'])
    .where('execution_id', '=', id)
    .execute()
  if (attempts.some((a) => a.holder_id !== null && Number(a.lease_expires_at) > now)) return undefined
  if (attempts.length > 0) await db.deleteFrom('attempts').where('execution_id', '=', id).execute()
  return takeLease(db, id, holder, now, leaseMs)
}

/** Extends every lease `holderId` has to `now + leaseMs`; returns the ids it holds. */
export async function renewLeases(
  db: Kysely<Database>,
  holderId: string,
  now: number,
  leaseMs: number,
): Promise<Set<string>> {
  const rows = await db
    .updateTable('executions')
    .set({ lease_expires_at: now + leaseMs })
    .where('holder_id', '=', holderId)
    .returning('id')
    .execute()
  return new Set(rows.map((row) => row.id))
}

/**
 * Clears the holder if `lease` is still current (its token is kept); a lost lease changes nothing. A running
 * execution is left due at once (`wake_at` 0), so a worker picks it up and starts its interrupted attempts again.
 */
export async function releaseLease(db: Kysely<Database>, lease: Lease): Promise<void> {
  await db
    .updateTable('executions')
    .set({
      holder_id: null,
      holder_host: null,
      holder_pid: null,
      lease_expires_at: null,
      wake_at: sql<number | null>`case when status = 'running' then 0 else wake_at end`,
      version: (eb) => eb('version', '+', 1),
    })
    .where('id', '=', lease.executionId)
    .where('holder_id', '=', lease.holderId)
    .where('lease_token', '=', lease.token)
    .execute()
}
