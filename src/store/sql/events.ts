import type { Kysely } from 'kysely'
import type { TrellisEvent } from '../../events/index.js'
import { chunks } from './chunks.js'
import type { Database, EventRow } from './database.js'
import { eventFromRow } from './row-codecs.js'

/** Appends event rows with multi-row INSERTs. Call inside the transaction that numbered them. */
export async function insertEvents(db: Kysely<Database>, rows: readonly EventRow[]): Promise<void> {
  for (const part of chunks(rows)) await db.insertInto('events').values(part).execute()
}

/** Events of one execution with `seq > afterSeq`, in order, at most `limit`. */
export async function selectEvents(
  db: Kysely<Database>,
  executionId: string,
  afterSeq: number,
  limit: number,
): Promise<TrellisEvent[]> {
  if (limit <= 0) return []
  const rows = await db
    .selectFrom('events')
    .selectAll()
    .where('execution_id', '=', executionId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute()
  return rows.map(eventFromRow)
}
