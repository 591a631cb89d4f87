import { randomBytes } from 'node:crypto'
import { Kysely, PostgresDialect, sql } from 'kysely'
import type pg from 'pg'
import type { TrellisEvent } from '../../events/index.js'
import type { Clock } from '../../util/index.js'
import {
  StoreUnavailableError,
  type ClaimedAttempt,
  type CreateResult,
  type DecideUnheldRequest,
  type DecideUnheldResult,
  type DueQuery,
  type ExecutionChanges,
  type ExecutionFilter,
  type ExecutionRecord,
  type ExecutionSummary,
  type ExecutionWithSteps,
  type HolderIdentity,
  type IterationRecord,
  type Lease,
  type LoadedExecution,
  type NewExecution,
  type StepRecord,
  type Store,
} from '../index.js'
import {
  acquireIn,
  appendSignalIn,
  claimAttemptsIn,
  claimableAttemptsQuery,
  countReadyAttempts,
  decideUnheldIn,
  releaseAttemptsIn,
  renewAttemptsIn,
  selectHeldAttempts,
  selectDueExecutions,
  selectNextAttemptExpiry,
  applyChanges,
  clampFutureCompletions,
  createExecutionIn,
  deleteEndedBatch,
  migrateSchema,
  releaseLease,
  renewLeases,
  selectChildren,
  selectEvents,
  selectExecution,
  selectInboxes,
  selectLoadedExecution,
  selectNextUnheldWakeAt,
  selectSteps,
  selectSummaries,
  storeRequest,
  type Database,
  type IsGone,
} from '../sql/index.js'
import { ChangeListener } from './change-listener.js'
import { ChangeNotifier } from './change-notifier.js'
import { resolvePostgresStoreOptions, type PostgresStoreOptions, type ResolvedPostgresStoreOptions } from './options.js'
import { PostgresGroupCommit } from './group-commit.js'
import { selectExecutionWithSteps, selectForDecision } from './read-execution.js'
import { decideOptimistically } from './optimistic-decision.js'
import { createClient, createPool } from './pool.js'
import { isRetryable, toStoreError } from './postgres-errors.js'

/** Executions deleted per retention transaction, so a large purge never holds row locks for long. */
const RETENTION_BATCH = 100

/** Runs of one write transaction when PostgreSQL reports a deadlock or a serialization failure. */
const WRITE_ATTEMPTS = 3

/**
 * Opens a PostgreSQL store: a pool of `poolSize` connections whose `search_path` is the schema, after checking that
 * the server can be reached. Does not migrate: call `migrate()` (or use `openStore`), which also creates the schema
 * when it is missing. Any number of processes, on any number of machines, may share one database and schema.
 *
 * @throws StoreUnavailableError when the server cannot be reached or refuses the login, saying what to check.
 * @throws InvalidOptionError for a bad URL, schema name or option.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const resolved = resolvePostgresStoreOptions(options)
  const pool = createPool(resolved)
  try {
    const client = await pool.connect()
    client.release()
  } catch (error) {
    await pool.end().catch(() => {})
    const mapped = toStoreError(error, resolved.location)
    if (mapped instanceof StoreUnavailableError) throw mapped
    throw new StoreUnavailableError(
      `Cannot open the PostgreSQL database at ${resolved.location}: ${(error as Error).message}`,
      { cause: error },
    )
  }
  return new PostgresStore(pool, resolved)
}

/**
 * The PostgreSQL implementation of `Store`: the shared queries of `store/sql`, run in READ COMMITTED transactions
 * that lock the execution row before reading it for a write (`FOR UPDATE`, or an UPDATE that comes first), claims
 * with `SKIP LOCKED`, migrations under an advisory lock, and LISTEN/NOTIFY for other stores' commits.
 */
class PostgresStore implements Store {
  readonly dialect = 'postgres'
  readonly location: string
  readonly #db: Kysely<Database>
  readonly #clock: Clock
  readonly #schema: string
  /** Sent with every notification, so this store can tell its own from others'. */
  readonly #origin = randomBytes(8).toString('hex')
  readonly #listener: ChangeListener
  readonly #notifier: ChangeNotifier
  readonly #group: PostgresGroupCommit
  /** Operations under way, which `close()` lets finish before it ends the pool. */
  readonly #running = new Set<Promise<unknown>>()
  #closed = false

  constructor(pool: pg.Pool, options: ResolvedPostgresStoreOptions) {
    this.location = options.location
    this.#db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
    this.#clock = options.clock
    this.#schema = options.schema
    this.#listener = new ChangeListener({
      createClient: () => createClient(options),
      channel: options.channel,
      origin: this.#origin,
      pollMs: options.changePollMs,
    })
    // One statement, no parameters (the channel is a checked identifier, the origin hex): PostgreSQL's simple
    // protocol, one round trip. `synchronous_commit` off: the notification needs no WAL flush of its own.
    const notify = sql.raw(
      `begin; set local synchronous_commit to off; select pg_notify('${options.channel}', '${this.#origin}'); commit`,
    )
    this.#notifier = new ChangeNotifier(async () => void (await notify.execute(this.#db)))
    this.#group = new PostgresGroupCommit({
      pool,
      // applyChanges starts with the fenced UPDATE of the execution row, which locks it for the whole transaction.
      single: (lease, changes, now) => this.#transact((db) => applyChanges(db, lease, changes, now), { notify: true }),
      // One UPDATE: atomic on its own, so no transaction round trips around it.
      singleRelease: async (lease) => {
        await releaseLease(this.#db, lease)
        this.#notifier.notify()
      },
      // No transaction: a new id is one INSERT … RETURNING.
      singleCreate: async (input) => {
        const result = await createExecutionIn(this.#db, input)
        if (result.created) this.#notifier.notify()
        return result
      },
      committed: () => this.#notifier.notify(),
    })
  }

  migrate(): Promise<void> {
    return this.#run(() =>
      migrateSchema(
        {
          dialect: 'postgres',
          location: this.location,
          db: this.#db,
          exclusive: (fn) =>
            this.#db.transaction().execute(async (trx) => {
              // Every migrator of this schema, in any process, waits here; the lock ends with the transaction.
              await sql`select pg_advisory_xact_lock(hashtextextended(${`trellis.migrate.${this.#schema}`}, 0))`.execute(
                trx,
              )
              await this.#createSchemaIfMissing(trx)
              return fn(trx, async (body) => void (await sql.raw(body).execute(trx)))
            }),
        },
        this.#clock.now(),
      ),
    )
  }

  /**
   * Creates the schema unless it exists. Looked up first: `CREATE SCHEMA IF NOT EXISTS` needs the CREATE privilege
   * on the database even when the schema is there. The name was validated as a plain identifier.
   */
  async #createSchemaIfMissing(db: Kysely<Database>): Promise<void> {
    const found = await sql`select 1 from pg_namespace where nspname = ${this.#schema}`.execute(db)
    if (found.rows.length === 0) await sql.raw(`create schema ${this.#schema}`).execute(db)
  }

  createExecution(input: NewExecution): Promise<CreateResult> {
    return this.#run(() => this.#group.create(input))
  }

  findExecution(id: string): Promise<ExecutionRecord | undefined> {
    return this.#read((db) => selectExecution(db, id))
  }

  loadExecution(id: string): Promise<LoadedExecution | undefined> {
    return this.#snapshot((db) => selectLoadedExecution(db, id))
  }

  readSteps(id: string): Promise<{ steps: StepRecord[]; iterations: IterationRecord[] }> {
    return this.#snapshot((db) => selectSteps(db, id))
  }

  readExecution(id: string): Promise<ExecutionWithSteps | undefined> {
    return this.#read((db) => selectExecutionWithSteps(db, id))
  }

  listExecutions(filter: ExecutionFilter): Promise<ExecutionSummary[]> {
    return this.#read((db) => selectSummaries(db, filter))
  }

  listChildren(parentId: string): Promise<ExecutionSummary[]> {
    return this.#read((db) => selectChildren(db, parentId))
  }

  acquire(
    executionId: string,
    holder: HolderIdentity,
    now: number,
    leaseMs: number,
    isGone?: IsGone,
  ): Promise<Lease | undefined> {
    return this.#write((db) => acquireIn(db, { id: executionId, holder, now, leaseMs, isGone }, { lock: true }))
  }

  renewAll(holderId: string, now: number, leaseMs: number): Promise<Set<string>> {
    return this.#read((db) => renewLeases(db, holderId, now, leaseMs))
  }

  release(lease: Lease): Promise<void> {
    return this.#run(() => this.#group.release(lease, this.#clock.now()))
  }

  decideUnheld(request: DecideUnheldRequest): Promise<DecideUnheldResult> {
    return this.#run(async () => {
      const first = await decideOptimistically(
        { group: this.#group, load: (id) => selectForDecision(this.#db, id) },
        request,
      )
      if (first.outcome === 'done') return first.result
      // The locked path; a decision already taken on the version found under the lock is used, not taken again.
      const locked = { ...request, decide: first.decide }
      return this.#transact((db) => decideUnheldIn(db, locked, { lock: true }), { notify: true })
    })
  }

  claimAttempts(holder: HolderIdentity, limit: number, now: number, leaseMs: number): Promise<ClaimedAttempt[]> {
    if (limit <= 0) return Promise.resolve([])
    // One UPDATE: the candidates are locked with SKIP LOCKED (claimers skip each other's rows), and their executions
    // FOR SHARE, so a claim never overlaps a decision or an `acquire` on the same execution (those lock it FOR
    // UPDATE; a claim skips such rows until that transaction ends, and its NOTIFY brings the claimer back).
    return this.#read((db) =>
      claimAttemptsIn(
        db,
        { holder, limit, now, leaseMs },
        sql`${claimableAttemptsQuery(db, now).limit(limit)} for update of a skip locked for share of e skip locked`,
      ),
    )
  }

  renewAttempts(holderId: string, now: number, leaseMs: number): Promise<ClaimedAttempt[]> {
    return this.#read((db) => renewAttemptsIn(db, holderId, now, leaseMs))
  }

  heldAttempts(holderId: string): Promise<ClaimedAttempt[]> {
    return this.#read((db) => selectHeldAttempts(db, holderId))
  }

  releaseAttempts(holderId: string, now: number, attempts?: readonly ClaimedAttempt[]): Promise<number> {
    return this.#write((db) => releaseAttemptsIn(db, holderId, now, attempts), { notify: true })
  }

  findDue(query: DueQuery): Promise<string[]> {
    // No `isGone` here: hosts sharing a name may have separate pid namespaces (lease expiry only).
    return this.#read((db) => selectDueExecutions(db, { ...query, isGone: undefined }))
  }

  countReadyAttempts(): Promise<number> {
    return this.#read((db) => countReadyAttempts(db))
  }

  nextAttemptExpiry(holderId: string): Promise<number | null> {
    return this.#read((db) => selectNextAttemptExpiry(db, holderId))
  }

  commit(lease: Lease, changes: ExecutionChanges, now: number): Promise<TrellisEvent[]> {
    return this.#run(() => this.#group.commit(lease, changes, now))
  }

  appendSignal(executionId: string, topic: string, data: unknown, now: number): Promise<TrellisEvent> {
    return this.#write((db) => appendSignalIn(db, { executionId, topic, data, now }), { notify: true })
  }

  request(
    executionId: string,
    kind: 'pause' | 'cancel' | 'resume',
    reason: string | null,
    now: number,
  ): Promise<ExecutionRecord> {
    return this.#write((db) => storeRequest(db, executionId, { kind, reason, now }, { lock: true }), {
      notify: true,
    })
  }

  readInboxes(holderId: string): Promise<Map<string, number>> {
    return this.#read((db) => selectInboxes(db, holderId))
  }

  readEvents(executionId: string, afterSeq: number, limit: number): Promise<TrellisEvent[]> {
    return this.#read((db) => selectEvents(db, executionId, afterSeq, limit))
  }

  nextUnheldWakeAt(now: number): Promise<number | null> {
    return this.#read((db) => selectNextUnheldWakeAt(db, now))
  }

  onExternalChange(listener: () => void): () => void {
    if (this.#closed) return () => {}
    return this.#listener.subscribe(listener)
  }

  async deleteEndedBefore(cutoff: number): Promise<number> {
    await this.#write((db) => clampFutureCompletions(db, this.#clock.now()))
    let deleted = 0
    for (;;) {
      const batch = await this.#write((db) => deleteEndedBatch(db, cutoff, RETENTION_BATCH, { lock: true }))
      if (batch === 0) return deleted
      deleted += batch
    }
  }

  /** Refuses new operations at once, lets those under way finish, then ends the listener, notifier and pool. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#listener.close()
    await Promise.allSettled([...this.#running])
    await this.#notifier.close()
    await this.#db.destroy()
  }

  /**
   * One write transaction (READ COMMITTED). With `notify`, other stores are told once it has committed (see
   * ChangeNotifier). A deadlock or serialization failure rolls everything back, so the transaction is simply run
   * again (`fn` reads everything it needs inside).
   */
  #write<T>(fn: (db: Kysely<Database>) => Promise<T>, options: { notify: boolean } = { notify: false }): Promise<T> {
    return this.#run(() => this.#transact(fn, options))
  }

  /** `#write` without the store's bookkeeping, for work already under an operation of `#run`. */
  async #transact<T>(fn: (db: Kysely<Database>) => Promise<T>, options: { notify: boolean }): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.#db.transaction().execute(fn)
        if (options.notify) this.#notifier.notify()
        return result
      } catch (error) {
        if (attempt < WRITE_ATTEMPTS && isRetryable(error) && !this.#closed) continue
        throw error
      }
    }
  }

  /** Several reads from one snapshot (REPEATABLE READ, read only: it never waits for writers). */
  #snapshot<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.#read((db) =>
      db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(fn),
    )
  }

  #read<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.#run(() => fn(this.#db))
  }

  /**
   * Runs one operation of the store: refused once the store is closed, tracked until it settles (so `close()` waits
   * for it instead of ending the pool under it), errors that mean the database cannot be used turned into
   * StoreUnavailableError.
   */
  async #run<T>(operation: () => Promise<T>): Promise<T> {
    this.#assertOpen()
    const running = operation()
    this.#running.add(running)
    try {
      return await running
    } catch (error) {
      throw toStoreError(error, this.location)
    } finally {
      this.#running.delete(running)
    }
  }

  /** A closed store answers with a clear error, before Kysely's destroyed driver is touched. */
  #assertOpen(): void {
    if (this.#closed) throw new StoreUnavailableError(`The store at ${this.location} is closed.`)
  }
}
