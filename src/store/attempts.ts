import type { TrellisEvent } from '../events/index.js'
import type { ExecutionChanges, HolderIdentity } from './store.js'
import type { LoadedExecution } from './records.js'

/**
 * Attempts handed to workers. A detached execution (no holder: made by `start`, or its holder is gone) is run by
 * whichever workers claim its attempts: the decision that starts an attempt stores it with its rendered input, a
 * worker claims it (a lease renewed by its heartbeat), and the decision that follows its end is taken under the
 * execution's row lock, in the same transaction that removes it (typescript-api.md, "Who runs an execution").
 */

/** Which attempt row: a step, or one iteration of a `for_each` step. */
export interface AttemptKey {
  readonly executionId: string
  readonly step: string
  readonly index: number | null
}

/** What a decision asks a worker to run. */
export interface NewAttempt {
  readonly step: string
  readonly index: number | null
  readonly attempt: number
  readonly kind: 'action' | 'workflow'
  /** The action name, or the workflow reference of a `workflow` step. */
  readonly target: string
  readonly input: unknown
  readonly timeoutMs: number | null
}

/** An attempt row as stored. */
export interface AttemptRecord extends NewAttempt, AttemptKey {
  readonly createdAt: number
  readonly holderId: string | null
  readonly token: number
  readonly expiresAt: number | null
}

/** An attempt this holder claimed: run it, renew it, and report its end with this lease. */
export interface ClaimedAttempt extends NewAttempt, AttemptKey {
  readonly holderId: string
  readonly token: number
  readonly expiresAt: number
}

/** What a decision on an unheld execution writes: its changes, and the attempt rows it adds and removes. */
export interface UnheldDecision {
  readonly changes: ExecutionChanges
  readonly addAttempts: readonly NewAttempt[]
  /** Attempts ended or aborted by the decision (an aborted attempt's holder finds out at its next renewal). */
  readonly removeAttempts: readonly { readonly step: string; readonly index: number | null }[]
}

/** `Store.decideUnheld`'s request. */
export interface DecideUnheldRequest {
  readonly executionId: string
  readonly now: number
  /** Answer `busy` instead of waiting when another transaction is deciding this execution (PostgreSQL). */
  readonly skipLocked?: boolean
  /** Answer `busy` unless a decision is still due once the row is locked (see `Store.findDue`). */
  readonly onlyIfDue?: boolean
  /** Same-host test for a holder process that is gone (SQLite), as in `acquire`. */
  readonly isGone?: (holder: { host: string; pid: number }) => boolean
  /** The attempt whose end is decided: its row must still be this lease's, or the answer is `lease-lost`. */
  readonly ended?: ClaimedAttempt
  /**
   * The state the caller holds in memory (the version and inbox its last decision left), if any. A store may then
   * decide at once on that state and write the decision fenced by it, without taking the row lock first (PostgreSQL
   * batches such decisions of many executions into one statement); when the row no longer matches, it takes the
   * usual locked path instead. The outcome is the same either way.
   */
  readonly expected?: { readonly version: number; readonly inbox: number }
  /** Claims up to `limit` of the attempts the decision adds for `holder`, which runs them next. */
  readonly take?: { readonly holder: HolderIdentity; readonly limit: number; readonly leaseMs: number }
  /**
   * Decides, inside the transaction, with the execution locked. `context.version` and `context.inbox` identify the
   * committed state: a caller that holds that state in memory may decide on it; otherwise `context.load()` reads it
   * (with the attempt rows; the ended one already removed). Returns null when there is nothing to write.
   */
  decide(context: UnheldContext): Promise<UnheldDecision | null>
}

/** What `DecideUnheldRequest.decide` is given. */
export interface UnheldContext {
  /** Advanced by every commit of the execution's state. */
  readonly version: number
  /** Advanced by every signal and operator request stored. */
  readonly inbox: number
  load(): Promise<{ readonly loaded: LoadedExecution; readonly attempts: readonly AttemptRecord[] }>
}

export type DecideUnheldResult =
  | {
      readonly outcome: 'decided'
      readonly events: TrellisEvent[]
      /** The added attempts claimed for `take.holder`. */
      readonly taken: ClaimedAttempt[]
      /** How many attempts the decision added (taken or left for any worker). */
      readonly added: number
      /** The execution's version after the decision (the context's when nothing was written). */
      readonly version: number
    }
  /** A live process holds the execution (attached): it decides for itself. */
  | { readonly outcome: 'held' }
  /** Another transaction is deciding it right now (`skipLocked`). */
  | { readonly outcome: 'busy' }
  /** The `ended` attempt is no longer this lease's (it expired and was restarted, or the step was cancelled). */
  | { readonly outcome: 'lease-lost' }
  | { readonly outcome: 'not-found' }

/** `Store.findDue`'s question. */
export interface DueQuery {
  readonly now: number
  readonly limit: number
  /** Same-host test for a holder process that is gone (SQLite). */
  readonly isGone?: ((holder: { host: string; pid: number }) => boolean) | undefined
  /** Include executions not started yet. @default true */
  readonly startNew?: boolean
}

/** A stable string for an attempt key (maps and sets). */
export function attemptKeyString(key: AttemptKey): string {
  return `${key.executionId}\u0000${key.step}\u0000${key.index ?? -1}`
}
