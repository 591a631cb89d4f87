import type { Kysely } from 'kysely'
import { claimCandidatesQuery, type Database, type IsGone } from '../sql/index.js'
import type { HolderIdentity, Lease } from '../index.js'

/** A holder process, as `isGone` is asked about it. */
interface HolderProcess {
  readonly host: string
  readonly pid: number
}

/**
 * `Store.claimDue` on PostgreSQL, in one statement: `UPDATE … WHERE id IN (SELECT … ORDER BY created_at, id LIMIT n
 * FOR UPDATE SKIP LOCKED)`. Claimers running at once skip each other's rows instead of waiting for them, and each
 * row is checked again once locked (READ COMMITTED re-reads a row another transaction changed), so no execution is
 * claimed twice. `isGone` is a JavaScript test: first the distinct live holders of executions with work are read
 * (one row per process, not per execution) and asked about, then the claim also takes the executions of the gone
 * ones.
 */
export async function claimDueIn(
  db: Kysely<Database>,
  request: { holder: HolderIdentity; limit: number; now: number; leaseMs: number; isGone?: IsGone | undefined },
): Promise<Lease[]> {
  const { holder, limit, now, leaseMs, isGone } = request
  const gone = isGone === undefined ? [] : await goneHolders(db, now, isGone)
  const expiresAt = now + leaseMs

  let candidates = claimCandidatesQuery(db, { now, heldToo: gone.length > 0 })
  if (gone.length > 0) {
    candidates = candidates.where((eb) =>
      eb.or([
        eb('holder_id', 'is', null),
        eb('lease_expires_at', '<=', now),
        eb(
          eb.refTuple('holder_host', 'holder_pid'),
          'in',
          gone.map((p) => eb.tuple(p.host, p.pid)),
        ),
      ]),
    )
  }
  const rows = await db
    .updateTable('executions')
    .set((eb) => ({
      holder_id: holder.id,
      holder_host: holder.host,
      holder_pid: holder.pid,
      lease_token: eb('lease_token', '+', 1),
      lease_expires_at: expiresAt,
    }))
    .where('id', 'in', candidates.clearSelect().select('id').limit(limit).forUpdate().skipLocked())
    .returning(['id', 'lease_token', 'created_at'])
    .execute()

  // RETURNING has no order: oldest work first, as the contract says.
  rows.sort((a, b) => Number(a.created_at) - Number(b.created_at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  return rows.map((row) => ({ executionId: row.id, holderId: holder.id, token: Number(row.lease_token), expiresAt }))
}

/** The live holders of executions with work that `isGone` says are gone. */
async function goneHolders(db: Kysely<Database>, now: number, isGone: IsGone): Promise<HolderProcess[]> {
  const rows = await claimCandidatesQuery(db, { now, heldToo: true })
    .clearSelect()
    .clearOrderBy()
    .select(['holder_host', 'holder_pid'])
    .distinct()
    .where('holder_id', 'is not', null)
    .where('lease_expires_at', '>', now)
    .execute()
  const processes = rows.map((row) => ({ host: row.holder_host ?? '', pid: Number(row.holder_pid ?? 0) }))
  return processes.filter((p) => isGone(p))
}
