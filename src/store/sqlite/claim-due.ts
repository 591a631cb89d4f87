import type { Kysely } from 'kysely'
import { isUnheld, selectClaimCandidates, takeLease, type Database, type IsGone } from '../sql/index.js'
import type { HolderIdentity, Lease } from '../index.js'

/** Candidates read per query when live-held executions must be read too (to ask `isGone` about them). */
const CANDIDATE_PAGE = 100

/**
 * `Store.claimDue` inside a `BEGIN IMMEDIATE` transaction (which already excludes every other writer, so no row
 * lock is needed): takes the oldest executions with work and no live holder, up to `limit`. `isGone` is a
 * JavaScript test, so with it live-held candidates are read too and filtered here, a page at a time.
 */
export async function claimDueIn(
  db: Kysely<Database>,
  request: { holder: HolderIdentity; limit: number; now: number; leaseMs: number; isGone?: IsGone | undefined },
): Promise<Lease[]> {
  const { holder, limit, now, leaseMs, isGone } = request
  const heldToo = isGone !== undefined
  const pageSize = heldToo ? Math.max(limit, CANDIDATE_PAGE) : limit
  const leases: Lease[] = []
  let after: { createdAt: number; id: string } | undefined
  for (;;) {
    const candidates = await selectClaimCandidates(db, { now, limit: pageSize, heldToo, after })
    for (const candidate of candidates) {
      if (!isUnheld(candidate, now, isGone)) continue
      leases.push(await takeLease(db, candidate.id, holder, now, leaseMs))
      if (leases.length === limit) return leases
    }
    const last = candidates.at(-1)
    if (candidates.length < pageSize || last === undefined) return leases
    after = { createdAt: last.createdAt, id: last.id }
  }
}
