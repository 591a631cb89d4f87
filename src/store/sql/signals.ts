import type { Kysely } from 'kysely'
import type { PendingEvent, TrellisEvent } from '../../events/index.js'
import { ExecutionNotFoundError, InvalidStateError } from '../index.js'
import type { Database } from './database.js'
import { insertEvents } from './events.js'
import { TERMINAL_STATUSES } from './executions.js'
import { encodeJson, eventRow, storedEvent } from './row-codecs.js'

/**
 * `Store.appendSignal` inside a write transaction: bumps `last_seq` and the inbox of a non-terminal execution (one
 * UPDATE, which also locks the row on PostgreSQL), stores the signal and appends its `signal.received` event.
 * Throws ExecutionNotFoundError, or InvalidStateError when the execution has ended.
 */
export async function appendSignalIn(
  db: Kysely<Database>,
  signal: { executionId: string; topic: string; data: unknown; now: number },
): Promise<TrellisEvent> {
  const { executionId, topic, now } = signal
  const data = signal.data ?? null
  const encoded = encodeJson(data, `the data of signal "${topic}" to execution ${executionId}`)
  const event: PendingEvent<'signal.received'> = {
    type: 'signal.received',
    step: null,
    attempt: null,
    index: null,
    data: { topic, data },
  }

  const updated = await db
    .updateTable('executions')
    .set((eb) => ({ last_seq: eb('last_seq', '+', 1), inbox: eb('inbox', '+', 1), updated_at: now }))
    .where('id', '=', executionId)
    .where('status', 'not in', TERMINAL_STATUSES)
    .returning('last_seq')
    .executeTakeFirst()
  if (updated === undefined) {
    const row = await db.selectFrom('executions').select('status').where('id', '=', executionId).executeTakeFirst()
    if (row === undefined) throw new ExecutionNotFoundError(executionId)
    throw new InvalidStateError(
      executionId,
      row.status,
      `Cannot signal execution ${executionId}: it is ${row.status}. ` +
        'Signals can only be sent to executions that have not ended.',
    )
  }
  const seq = Number(updated.last_seq)
  await db
    .insertInto('signals')
    .values({ execution_id: executionId, topic, data: encoded, created_at: now, consumed_by: null, consumed_at: null })
    .execute()
  await insertEvents(db, [eventRow(executionId, seq, now, event)])
  return storedEvent(executionId, seq, now, event)
}
