import type pg from 'pg'
import type { TrellisEvent } from '../../events/index.js'
import { LeaseLostError, type CreateResult, type ExecutionChanges, type Lease, type NewExecution } from '../index.js'
import {
  createdResult,
  newExecutionRow,
  storedEvent,
  type AttemptRow,
  type ExecutionRow,
  type NewExecutionRow,
} from '../sql/index.js'
import {
  BATCH_COMMIT_SQL,
  batchable,
  batchParameters,
  encodeCommit,
  encodeDetached,
  releaseEntry,
  type BatchEntry,
  type BatchFence,
} from './batch-statement.js'
import { isRetryable } from './postgres-errors.js'

/** A caller of `Store.commit`, `Store.release` or `Store.createExecution` waiting for its batch. */
type Waiting =
  | {
      readonly kind: 'commit'
      readonly lease: Lease
      readonly changes: ExecutionChanges
      readonly now: number
      readonly resolve: (events: TrellisEvent[]) => void
      readonly reject: (error: unknown) => void
    }
  | {
      readonly kind: 'release'
      readonly lease: Lease
      readonly now: number
      readonly resolve: () => void
      readonly reject: (error: unknown) => void
    }
  | {
      readonly kind: 'create'
      readonly input: NewExecution
      readonly resolve: (result: CreateResult) => void
      readonly reject: (error: unknown) => void
    }
  | {
      readonly kind: 'detached'
      readonly executionId: string
      readonly fence: Extract<BatchFence, { kind: 'version' }>
      readonly decision: DetachedDecision
      readonly now: number
      /** The stored events; null when the fence no longer held (or the batch failed): nothing of it was written. */
      readonly resolve: (events: TrellisEvent[] | null) => void
      readonly reject: (error: unknown) => void
    }

/** What the group commit needs from its store: the one-transaction forms, for what a batch cannot do. */
export interface PostgresGroupCommitHost {
  readonly pool: pg.Pool
  /** `applyChanges` in a transaction of its own. */
  single(lease: Lease, changes: ExecutionChanges, now: number): Promise<TrellisEvent[]>
  /** `releaseLease` alone. */
  singleRelease(lease: Lease): Promise<void>
  /** `createExecutionIn` alone (also what a create whose id exists needs: the existing row). */
  singleCreate(input: NewExecution): Promise<CreateResult>
  /** Called once a batch committed (the store notifies other processes). */
  committed(): void
}

/** Batch statements sent at once: while they run, the commits that arrive gather into the next batch. */
const MAX_IN_FLIGHT = 2

/** Most entries in one batch statement. */
const MAX_BATCH = 256

/** Runs of a batch statement when PostgreSQL reports a deadlock (two batches' row locks crossed). */
const BATCH_ATTEMPTS = 3

const STATEMENT_NAME = 'trellis_batch_commit'

function idOf(w: Waiting): string {
  return w.kind === 'create' ? w.input.id : w.kind === 'detached' ? w.executionId : w.lease.executionId
}

/** The events of a commit as stored, numbered up to the execution's new `last_seq`. */
function storedEvents(id: string, lastSeq: number, changes: ExecutionChanges, now: number): TrellisEvent[] {
  const pending = changes.events ?? []
  const first = lastSeq - pending.length + 1
  return pending.map((event, k) => storedEvent(id, first + k, now, event))
}

/** A detached decision as the batch writes it (`UnheldDecision` with its added rows built). */
export interface DetachedDecision {
  readonly changes: ExecutionChanges
  readonly removeAttempts: readonly { readonly step: string; readonly index: number | null }[]
  readonly addAttempts: AttemptRow[]
}

interface ResultRow {
  id: string
  last_seq: number
  created: boolean
}

/**
 * Group commit on PostgreSQL: the commits, releases and new executions that arrive while earlier batches are on
 * their way go out together as one statement (`BATCH_COMMIT_SQL`): one round trip and one transaction for all of
 * them, so the client's per-statement cost and the server's WAL flush are paid once per batch instead of five
 * round trips per commit. Each commit stays fenced by its own lease: one whose lease was lost writes nothing and its
 * caller alone gets LeaseLostError. Every caller settles after the statement committed, so nothing acts on a change
 * before it is durable. Commits the statement does not cover (they clear requests, reset iterations or take
 * signals), and every entry of a batch that failed for another reason, run on their own, so each caller gets its
 * own precise error.
 */
export class PostgresGroupCommit {
  readonly #host: PostgresGroupCommitHost
  #waiting: Waiting[] = []
  #inFlight = 0
  #scheduled = false
  /** Executions with an entry in a batch on its way. */
  readonly #sending = new Set<string>()

  constructor(host: PostgresGroupCommitHost) {
    this.#host = host
  }

  /** `Store.commit`: resolves with the stored events once the batch holding this commit has committed. */
  commit(lease: Lease, changes: ExecutionChanges, now: number): Promise<TrellisEvent[]> {
    if (!batchable(changes)) return this.#host.single(lease, changes, now)
    return new Promise((resolve, reject) => this.#queue({ kind: 'commit', lease, changes, now, resolve, reject }))
  }

  /** `Store.release`, in the next batch: resolves once it committed (a lost lease changes nothing). */
  release(lease: Lease, now: number): Promise<void> {
    return new Promise((resolve, reject) => this.#queue({ kind: 'release', lease, now, resolve, reject }))
  }

  /**
   * A detached execution's decision taken on the state its caller holds, in the next batch, fenced by that state's
   * version and inbox and the ended attempt's lease. Resolves with the stored events, or null when the fence no
   * longer held or the batch failed: then nothing of it was written, and the caller takes the locked path.
   */
  decideDetached(
    executionId: string,
    fence: Extract<BatchFence, { kind: 'version' }>,
    decision: DetachedDecision,
    now: number,
  ): Promise<TrellisEvent[] | null> {
    return new Promise((resolve, reject) =>
      this.#queue({ kind: 'detached', executionId, fence, decision, now, resolve, reject }),
    )
  }

  /** `Store.createExecution`, in the next batch. */
  create(input: NewExecution): Promise<CreateResult> {
    return new Promise((resolve, reject) => this.#queue({ kind: 'create', input, resolve, reject }))
  }

  #queue(waiting: Waiting): void {
    this.#waiting.push(waiting)
    this.#schedule()
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight >= MAX_IN_FLIGHT || this.#waiting.length === 0) return
    this.#scheduled = true
    // The commits of this turn of the event loop arrive before the immediate runs.
    setImmediate(() => {
      this.#scheduled = false
      void this.#flush()
    })
  }

  async #flush(): Promise<void> {
    // One entry per execution at a time: a second one (a release after its commit) waits until the batch with the
    // first has committed, so an execution's entries are applied in the order they were made.
    const batch: Waiting[] = []
    const later: Waiting[] = []
    const ids = new Set<string>()
    for (const w of this.#waiting) {
      const id = idOf(w)
      if (batch.length < MAX_BATCH && !ids.has(id) && !this.#sending.has(id)) {
        ids.add(id)
        batch.push(w)
      } else later.push(w)
    }
    this.#waiting = later
    if (batch.length === 0) return
    for (const id of ids) this.#sending.add(id)
    this.#inFlight++
    this.#schedule()
    try {
      await this.#run(batch)
    } finally {
      for (const id of ids) this.#sending.delete(id)
      this.#inFlight--
      this.#schedule()
    }
  }

  async #run(batch: readonly Waiting[]): Promise<void> {
    const entries: BatchEntry[] = []
    const now: number[] = []
    const creates: NewExecutionRow[] = []
    const createdRows = new Map<string, NewExecutionRow>()
    const sent: Waiting[] = []
    for (const w of batch) {
      try {
        if (w.kind === 'create') {
          const row = newExecutionRow(w.input)
          creates.push(row)
          createdRows.set(w.input.id, row)
        } else {
          entries.push(
            w.kind === 'release'
              ? releaseEntry(w.lease)
              : w.kind === 'commit'
                ? encodeCommit(w.lease, w.changes, w.now)
                : encodeDetached(w.executionId, w.fence, w.decision, w.now),
          )
          now.push(w.now)
        }
        sent.push(w)
      } catch (error) {
        // A value that is not JSON: this caller's error, before anything is sent.
        w.reject(error)
      }
    }
    if (sent.length === 0) return
    let rows: ResultRow[]
    try {
      rows = await this.#send(batchParameters({ entries, now, creates }))
    } catch {
      // Whatever it was, nothing of the batch was written: each entry on its own says what its problem is.
      await Promise.all(sent.map((w) => this.#alone(w)))
      return
    }
    this.#host.committed()
    const lastSeq = new Map<string, number>()
    const created = new Set<string>()
    for (const row of rows) {
      if (row.created) created.add(row.id)
      else lastSeq.set(row.id, Number(row.last_seq))
    }
    for (const w of sent) this.#settle(w, lastSeq, created, createdRows)
  }

  #settle(
    w: Waiting,
    lastSeq: ReadonlyMap<string, number>,
    created: ReadonlySet<string>,
    createdRows: ReadonlyMap<string, NewExecutionRow>,
  ): void {
    switch (w.kind) {
      case 'release':
        return w.resolve()
      case 'create':
        // Its id existed: the existing row, read on its own.
        if (!created.has(w.input.id)) return void this.#alone(w)
        // The row is exactly the one sent (a new row's `version` starts at 0).
        return w.resolve(createdResult(w.input, { ...createdRows.get(w.input.id)!, version: 0 } as ExecutionRow))
      case 'commit': {
        const id = w.lease.executionId
        const last = lastSeq.get(id)
        if (last === undefined) return w.reject(new LeaseLostError(id))
        return w.resolve(storedEvents(id, last, w.changes, w.now))
      }
      case 'detached': {
        const last = lastSeq.get(w.executionId)
        return w.resolve(last === undefined ? null : storedEvents(w.executionId, last, w.decision.changes, w.now))
      }
    }
  }

  /** One entry in a statement or transaction of its own. */
  #alone(w: Waiting): Promise<void> {
    switch (w.kind) {
      case 'release':
        return this.#host.singleRelease(w.lease).then(w.resolve, w.reject)
      case 'create':
        return this.#host.singleCreate(w.input).then(w.resolve, w.reject)
      case 'commit':
        return this.#host.single(w.lease, w.changes, w.now).then(w.resolve, w.reject)
      case 'detached':
        // The caller's locked path does it again and reports what is wrong.
        w.resolve(null)
        return Promise.resolve()
    }
  }

  async #send(values: unknown[][]): Promise<ResultRow[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.#host.pool.query<ResultRow>({ name: STATEMENT_NAME, text: BATCH_COMMIT_SQL, values })
        return result.rows
      } catch (error) {
        if (attempt < BATCH_ATTEMPTS && isRetryable(error)) continue
        throw error
      }
    }
  }
}
