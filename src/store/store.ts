import type { PendingEvent, TrellisEvent } from '../events/index.js'
import type { Workflow } from '../definition/index.js'
import type { JsonValue } from '../util/index.js'
import type { ClaimedAttempt, DecideUnheldRequest, DecideUnheldResult, DueQuery } from './attempts.js'
import type {
  ExecutionFilter,
  ExecutionRecord,
  ExecutionSummary,
  IterationRecord,
  LoadedExecution,
  OperatorRequests,
  StepRecord,
} from './records.js'

/** Who is asking for a lease: a process-unique id plus where it runs (for same-host takeover). */
export interface HolderIdentity {
  readonly id: string
  readonly host: string
  readonly pid: number
}

/** A claim on one execution. `token` grows on every claim and fences every write. */
export interface Lease {
  readonly executionId: string
  readonly holderId: string
  readonly token: number
  readonly expiresAt: number
}

/** A new execution, as `start` creates it. */
export interface NewExecution {
  readonly id: string
  readonly workflow: Workflow
  readonly inputs: Readonly<Record<string, JsonValue>>
  readonly createdAt: number
  readonly parentId?: string | null
  readonly parentStep?: string | null
  readonly parentIndex?: number | null
  /**
   * Create it held by this holder (lease token 1, expiring `leaseMs` after `createdAt`), so the creator runs it
   * without a separate `acquire` and with nothing to load. Ignored when the id exists already.
   */
  readonly holder?: { readonly identity: HolderIdentity; readonly leaseMs: number }
}

/** The fields of an execution row the engine changes in a commit. */
export type ExecutionPatch = Partial<
  Pick<
    ExecutionRecord,
    | 'status'
    | 'vars'
    | 'outputs'
    | 'error'
    | 'startedAt'
    | 'completedAt'
    | 'run'
    | 'deadlineAt'
    | 'timeoutRemainingMs'
    | 'wakeAt'
    | 'pausedReason'
    | 'seenInbox'
  >
>

/** One atomic change to one execution: rows to upsert and events to append, all or nothing. */
export interface ExecutionChanges {
  readonly execution?: ExecutionPatch
  /** Operator requests the holder has now applied; cleared in the same commit. */
  readonly clearRequests?: readonly (keyof OperatorRequests)[]
  /** Full rows, inserted or replaced. */
  readonly steps?: readonly StepRecord[]
  readonly iterations?: readonly IterationRecord[]
  /** Iteration rows to delete first (a retried `for_each` step starts its iterations anew). */
  readonly deleteIterationsOf?: readonly string[]
  /** Signals taken by `wait` steps. */
  readonly consumeSignals?: readonly { readonly id: number; readonly step: string }[]
  /** Appended in order with the next seq numbers. */
  readonly events?: readonly PendingEvent[]
}

/** An execution row with its steps and iterations. */
export interface ExecutionWithSteps {
  readonly execution: ExecutionRecord
  readonly steps: StepRecord[]
  readonly iterations: IterationRecord[]
}

/** What `createExecution` did. */
export type CreateResult =
  /** `lease` when it was created held (`NewExecution.holder`). */
  | { readonly created: true; readonly execution: ExecutionRecord; readonly lease?: Lease }
  /** An execution with that id exists already; the caller compares workflow and inputs. */
  | { readonly created: false; readonly execution: ExecutionRecord }

/**
 * Everything the engine persists goes through this interface. Each method is atomic. Time comes from the
 * caller (`now` arguments), never from SQL, so tests run on a fake clock. Two implementations share the
 * Kysely queries in `sql/`: SQLite (default) and PostgreSQL; both pass test/store/conformance.ts.
 */
export interface Store {
  /** The dialect, for messages and the few places behaviour differs (same-host takeover). */
  readonly dialect: 'sqlite' | 'postgres'
  /** A printable location (file path or URL without password). */
  readonly location: string

  /** Brings the schema up to date. Safe to call from many processes at once. Throws SchemaTooNewError. */
  migrate(): Promise<void>

  /** Creates the execution (status `pending`), or returns the existing one with that id. */
  createExecution(input: NewExecution): Promise<CreateResult>
  findExecution(id: string): Promise<ExecutionRecord | undefined>
  /** The row plus steps, iterations and untaken signals. */
  loadExecution(id: string): Promise<LoadedExecution | undefined>
  /** Steps and iterations of an execution. */
  readSteps(id: string): Promise<{ steps: StepRecord[]; iterations: IterationRecord[] }>
  /** The row with its steps and iterations, all from one snapshot (what `status` and a result show). */
  readExecution(id: string): Promise<ExecutionWithSteps | undefined>
  /** Newest first. */
  listExecutions(filter: ExecutionFilter): Promise<ExecutionSummary[]>
  /** Children of an execution (for cancel and retention). */
  listChildren(parentId: string): Promise<ExecutionSummary[]>

  /**
   * Takes the lease on one execution when nobody holds it, its lease has expired, or `isGone(holder)` says the
   * holder process is gone (same-host check, SQLite). Returns undefined when a live holder has it.
   */
  acquire(
    executionId: string,
    holder: HolderIdentity,
    now: number,
    leaseMs: number,
    isGone?: (holder: { host: string; pid: number }) => boolean,
  ): Promise<Lease | undefined>
  /** Extends every lease this holder has; returns the ids it still holds. */
  renewAll(holderId: string, now: number, leaseMs: number): Promise<Set<string>>
  /** Gives the execution up so others can take it at once. A lost lease is ignored. */
  release(lease: Lease): Promise<void>

  /**
   * Takes a decision on a detached execution under its row lock, in one transaction (see DecideUnheldRequest): the
   * way workers and requesters change executions nobody holds. An expired or gone holder is cleared first.
   */
  decideUnheld(request: DecideUnheldRequest): Promise<DecideUnheldResult>
  /** Claims up to `limit` attempts nobody runs, of detached executions, oldest first (SKIP LOCKED on PostgreSQL). */
  claimAttempts(holder: HolderIdentity, limit: number, now: number, leaseMs: number): Promise<ClaimedAttempt[]>
  /** Extends every attempt lease this holder has; returns the attempts it still holds. */
  renewAttempts(holderId: string, now: number, leaseMs: number): Promise<ClaimedAttempt[]>
  /** The attempts this holder still holds, read without changing (or waiting for) anything. */
  heldAttempts(holderId: string): Promise<ClaimedAttempt[]>
  /** Ends the leases of these attempts (all of the holder's without `attempts`) now, so others restart them at once. */
  releaseAttempts(holderId: string, now: number, attempts?: readonly ClaimedAttempt[]): Promise<number>
  /**
   * Ids of detached executions (or ones whose holder is gone) with a decision due: new ones (unless `startNew` is
   * false: a worker with no room leaves them to others), due timers, news, attempts whose worker's lease ran out, an
   * expired holder. Oldest first.
   */
  findDue(options: DueQuery): Promise<string[]>
  /** Attempts waiting for a worker. */
  countReadyAttempts(): Promise<number>
  /** Earliest lease expiry of attempts other holders have (to restart a dead worker's attempts on time). */
  nextAttemptExpiry(holderId: string): Promise<number | null>

  /**
   * Commits one change to one execution, fenced by the lease: the rows and events commit together, events
   * numbered with the next seq, or nothing commits. Throws LeaseLostError when the lease is no longer current.
   * Returns the appended events as stored.
   */
  commit(lease: Lease, changes: ExecutionChanges, now: number): Promise<TrellisEvent[]>

  /**
   * Stores a signal and its `signal.received` event and bumps the inbox, in one transaction, whoever holds
   * the execution. Throws ExecutionNotFoundError, or InvalidStateError when the execution has ended.
   */
  appendSignal(executionId: string, topic: string, data: unknown, now: number): Promise<TrellisEvent>
  /** Stores an operator request and bumps the inbox. Returns the execution as it is now. */
  request(
    executionId: string,
    kind: 'pause' | 'cancel' | 'resume',
    reason: string | null,
    now: number,
  ): Promise<ExecutionRecord>
  /** Inbox counters of the executions this holder holds, to find the ones with news. */
  readInboxes(holderId: string): Promise<Map<string, number>>

  /** Events with `seq > afterSeq`, in order, at most `limit`. */
  readEvents(executionId: string, afterSeq: number, limit: number): Promise<TrellisEvent[]>

  /** Earliest `wakeAt` among executions with no live holder (for workers' single wake-up). */
  nextUnheldWakeAt(now: number): Promise<number | null>

  /**
   * Calls `listener` when another process may have committed something (SQLite: a `PRAGMA data_version`
   * check on a short interval; PostgreSQL: LISTEN/NOTIFY plus a slow poll). May call spuriously; never misses.
   * Returns the unsubscribe function.
   */
  onExternalChange(listener: () => void): () => void

  /** Deletes ended executions (and their events, steps, signals and children) that ended before `cutoff`. */
  deleteEndedBefore(cutoff: number): Promise<number>
  close(): Promise<void>
}
