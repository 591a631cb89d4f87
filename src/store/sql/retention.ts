import type { Kysely } from 'kysely'
import { chunks } from './chunks.js'
import type { Database } from './database.js'
import { TERMINAL_STATUSES } from './executions.js'

/**
 * Sets `completed_at` values later than `now` to `now`. execution-model.md guarantee 9: a timestamp from a clock
 * that ran ahead must not protect a record forever; clamped, it expires one TTL after the clamp.
 */
export async function clampFutureCompletions(db: Kysely<Database>, now: number): Promise<void> {
  await db.updateTable('executions').set({ completed_at: now }).where('completed_at', '>', now).execute()
}

/**
 * Deletes up to `limit` ended executions whose `completed_at` is before `cutoff`, each with its whole tree of
 * child executions, and every step, iteration, event and signal of them. Only roots are picked (no parent, or a
 * parent already gone): a child is kept as long as its parent, and goes with it. Returns how many executions were
 * deleted (children included); 0 when nothing is left to delete. Call inside a write transaction. With `lock`
 * (PostgreSQL) the execution rows are locked first (`FOR UPDATE`; roots another transaction holds are skipped), so
 * a concurrent commit, which locks its execution row before its steps and events, cannot deadlock with the delete.
 */
export async function deleteEndedBatch(
  db: Kysely<Database>,
  cutoff: number,
  limit: number,
  options: { lock: boolean } = { lock: false },
): Promise<number> {
  const roots = await db
    .selectFrom('executions as e')
    .select('e.id')
    .where('e.status', 'in', TERMINAL_STATUSES)
    .where('e.completed_at', '<', cutoff)
    .where((eb) =>
      eb.or([
        eb('e.parent_id', 'is', null),
        eb.not(eb.exists(eb.selectFrom('executions as p').select('p.id').whereRef('p.id', '=', 'e.parent_id'))),
      ]),
    )
    .orderBy('e.completed_at')
    .limit(limit)
    .$if(options.lock, (q) => q.forUpdate('e').skipLocked())
    .execute()
  if (roots.length === 0) return 0
  const ids = await withDescendants(
    db,
    roots.map((row) => row.id),
    options.lock,
  )
  for (const part of chunks(ids)) {
    await db.deleteFrom('events').where('execution_id', 'in', part).execute()
    await db.deleteFrom('signals').where('execution_id', 'in', part).execute()
    await db.deleteFrom('iterations').where('execution_id', 'in', part).execute()
    await db.deleteFrom('steps').where('execution_id', 'in', part).execute()
    await db.deleteFrom('executions').where('id', 'in', part).execute()
  }
  return ids.length
}

/** `ids` and every execution below them, parents before children. */
async function withDescendants(db: Kysely<Database>, ids: readonly string[], lock: boolean): Promise<string[]> {
  const all = [...ids]
  const seen = new Set(ids)
  let frontier = [...ids]
  while (frontier.length > 0) {
    const next: string[] = []
    for (const part of chunks(frontier)) {
      const rows = await db
        .selectFrom('executions')
        .select('id')
        .where('parent_id', 'in', part)
        .$if(lock, (q) => q.forUpdate())
        .execute()
      for (const { id } of rows) {
        if (seen.has(id)) continue
        seen.add(id)
        next.push(id)
      }
    }
    all.push(...next)
    frontier = next
  }
  return all
}
