import type { DecideUnheldRequest, DecideUnheldResult, UnheldContext, UnheldDecision } from '../index.js'
import { addedAttemptRows } from '../sql/index.js'
import { batchable } from './batch-statement.js'
import type { PostgresGroupCommit } from './group-commit.js'
import type { ExecutionForDecision } from './read-execution.js'

/** Thrown at a decider that asks to load: the path it is on has no row to read from. */
class NeedsLock extends Error {}

/** What `decideOptimistically` did: decided (and wrote, or found nothing to do), or not, for the locked path. */
export type OptimisticOutcome =
  | { readonly outcome: 'done'; readonly result: DecideUnheldResult }
  | { readonly outcome: 'locked'; readonly decide: DecideUnheldRequest['decide'] }

/** What the optimistic path needs from the store. */
export interface OptimisticHost {
  readonly group: PostgresGroupCommit
  /** The execution and its attempt rows, read without a lock. */
  load(id: string): Promise<ExecutionForDecision | undefined>
}

/**
 * `Store.decideUnheld` without the row lock. The decision is taken on a known state and sent in the next batch
 * statement, fenced by that state's version and inbox, no holder, and the ended attempt's lease: one shared round
 * trip instead of a transaction of its own. The state is the one the caller holds (`request.expected`: most of a
 * worker's decisions, after its own attempts end), or, for a due decision (`onlyIfDue`), one read in a single
 * statement.
 *
 * When the fence does not hold (someone committed, a signal or a request arrived, the attempt's lease was lost, a
 * process attached), nothing was written. A due decision then answers `busy`, as a locked one that finds another
 * worker at it would: if the execution is still due, the change that broke the fence makes it found again. Any
 * other takes the locked path, with a decider that returns the decision already taken when the locked row still
 * has the same version and inbox (the only state it is valid for) and asks the caller's decider again otherwise
 * (which reads the execution afresh: the state it kept was used up).
 */
export async function decideOptimistically(
  host: OptimisticHost,
  request: DecideUnheldRequest,
): Promise<OptimisticOutcome> {
  const asked = (context: UnheldContext): Promise<UnheldDecision | null> => request.decide(context)
  const due = request.onlyIfDue === true
  let context: UnheldContext
  if (due) {
    const read = await host.load(request.executionId)
    if (read === undefined) return { outcome: 'done', result: { outcome: 'not-found' } }
    const execution = read.loaded.execution
    // A holder, even an expired one, is for the locked path to judge and clear.
    if (execution.holder !== null) return { outcome: 'locked', decide: asked }
    context = { version: read.version, inbox: execution.inbox, load: () => Promise.resolve(read) }
  } else {
    const expected = request.expected
    if (expected === undefined || request.skipLocked === true) return { outcome: 'locked', decide: asked }
    context = { ...expected, load: () => Promise.reject(new NeedsLock()) }
  }
  let decision: UnheldDecision | null
  try {
    decision = await request.decide(context)
  } catch (error) {
    if (error instanceof NeedsLock) return { outcome: 'locked', decide: asked }
    throw error
  }
  const { version, inbox } = context
  const reuse = (locked: UnheldContext): Promise<UnheldDecision | null> =>
    locked.version === version && locked.inbox === inbox ? Promise.resolve(decision) : asked(locked)
  if (decision === null && due) {
    return { outcome: 'done', result: { outcome: 'decided', events: [], taken: [], added: 0, version } }
  }
  if (decision === null || !batchable(decision.changes)) return { outcome: 'locked', decide: reuse }

  const { executionId: id, now, ended } = request
  const { rows, taken } = addedAttemptRows(id, decision.addAttempts, now, request.take)
  const events = await host.group.decideDetached(
    id,
    { kind: 'version', version, inbox, ended: ended ?? null },
    { changes: decision.changes, removeAttempts: decision.removeAttempts, addAttempts: rows },
    now,
  )
  if (events === null)
    return due ? { outcome: 'done', result: { outcome: 'busy' } } : { outcome: 'locked', decide: reuse }
  return {
    outcome: 'done',
    result: {
      outcome: 'decided',
      events,
      taken,
      added: rows.length,
      version: version + 1,
    },
  }
}
