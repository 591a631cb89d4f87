import { sql, type Kysely } from 'kysely'
import type { TrellisEvent } from '../../events/index.js'
import { InternalError } from '../../util/index.js'
import { LeaseLostError, type ExecutionChanges, type Lease, type OperatorRequests } from '../index.js'
import { chunks } from './chunks.js'
import type { Database, IterationRow, StepRow } from './database.js'
import { insertEvents } from './events.js'
import { encodeChanges, storedEvent } from './row-codecs.js'

/** The columns of a step row besides its key (`execution_id`, `name`). */
export const STEP_VALUE_COLUMNS = [
  'status',
  'attempts',
  'failures',
  'output',
  'error',
  'started_at',
  'completed_at',
  'wake_at',
  'remaining_ms',
  'topic',
  'reason',
  'items',
] as const satisfies readonly (keyof StepRow)[]

/** The columns of an iteration row besides its key (`execution_id`, `step`, `idx`). */
export const ITERATION_VALUE_COLUMNS = [
  'status',
  'attempts',
  'failures',
  'output',
  'error',
  'started_at',
  'completed_at',
  'wake_at',
  'remaining_ms',
] as const satisfies readonly (keyof IterationRow)[]

/** `SET col = excluded.col` for an upsert that replaces the whole row (same SQL on SQLite and PostgreSQL). */
export function replaceColumns(columns: readonly string[]): Record<string, ReturnType<typeof sql.ref>> {
  return Object.fromEntries(columns.map((column) => [column, sql.ref(`excluded.${column}`)]))
}

/**
 * `Store.commit` inside a write transaction. Every value is encoded first, so a value that is not JSON fails before
 * anything is written. Then: one fenced UPDATE of the execution row (patch, `updated_at`, `last_seq` advanced by
 * the number of events) that also checks the lease, the cleared requests, iteration deletes, step and iteration
 * upserts, taken signals, and the events in multi-row INSERTs. Throws LeaseLostError when the holder or token no
 * longer match (an expired lease that nobody took is still current), and InternalError when a signal to take is
 * not waiting (unknown, or taken already); the caller rolls back.
 */
export async function applyChanges(
  db: Kysely<Database>,
  /** The holder's lease; or, for a detached execution decided under its row lock, `holderId: null` and its token. */
  lease: Lease | { readonly executionId: string; readonly holderId: null; readonly token: number },
  changes: ExecutionChanges,
  now: number,
): Promise<TrellisEvent[]> {
  const id = lease.executionId
  const pending = changes.events ?? []
  // Encoded first: a value that is not JSON fails before anything is written. Events are numbered below.
  const { patch, steps, iterations, events: eventRows } = encodeChanges(id, changes, now)

  const updated = await db
    .updateTable('executions')
    .set((eb) => ({
      ...patch,
      updated_at: now,
      last_seq: eb('last_seq', '+', pending.length),
      version: eb('version', '+', 1),
    }))
    .where('id', '=', id)
    .where((eb) => (lease.holderId === null ? eb('holder_id', 'is', null) : eb('holder_id', '=', lease.holderId)))
    .where('lease_token', '=', lease.token)
    .returning(['last_seq', 'requests'])
    .executeTakeFirst()
  if (updated === undefined) throw new LeaseLostError(id)
  const firstSeq = Number(updated.last_seq) - pending.length + 1

  const clear = changes.clearRequests ?? []
  if (clear.length > 0) {
    const requests = JSON.parse(updated.requests) as Record<keyof OperatorRequests, unknown>
    for (const kind of clear) delete requests[kind]
    await db
      .updateTable('executions')
      .set({ requests: JSON.stringify(requests) })
      .where('id', '=', id)
      .execute()
  }

  const resetSteps = changes.deleteIterationsOf ?? []
  if (resetSteps.length > 0) {
    await db.deleteFrom('iterations').where('execution_id', '=', id).where('step', 'in', resetSteps).execute()
  }
  for (const part of chunks(steps)) {
    await db
      .insertInto('steps')
      .values(part)
      .onConflict((oc) => oc.columns(['execution_id', 'name']).doUpdateSet(replaceColumns(STEP_VALUE_COLUMNS)))
      .execute()
  }
  for (const part of chunks(iterations)) {
    await db
      .insertInto('iterations')
      .values(part)
      .onConflict((oc) =>
        oc.columns(['execution_id', 'step', 'idx']).doUpdateSet(replaceColumns(ITERATION_VALUE_COLUMNS)),
      )
      .execute()
  }

  for (const { id: signalId, step } of changes.consumeSignals ?? []) {
    const result = await db
      .updateTable('signals')
      .set({ consumed_by: step, consumed_at: now })
      .where('id', '=', signalId)
      .where('execution_id', '=', id)
      .where('consumed_by', 'is', null)
      .executeTakeFirst()
    if (result.numUpdatedRows !== 1n) {
      // execution-model.md guarantee 6: each signal is delivered exactly once.
      throw new InternalError(
        `Signal ${signalId} of execution ${id} is not waiting to be taken (unknown, or taken already); ` +
          `step "${step}" cannot take it. Nothing was committed.`,
      )
    }
  }

  eventRows.forEach((row, i) => (row.seq = firstSeq + i))
  await insertEvents(db, eventRows)
  return pending.map((event, i) => storedEvent(id, firstSeq + i, now, event))
}
