import { realpathSync } from 'node:fs'
import BetterSqlite3 from 'better-sqlite3'
import { Kysely, SqliteDialect, sql } from 'kysely'
import type { TrellisEvent } from '../../events/index.js'
import { InvalidOptionError, systemClock, type Clock } from '../../util/index.js'
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
  clampFutureCompletions,
  createExecutionIn,
  deleteEndedBatch,
  migrateSchema,
  releaseLease,
  renewLeases,
  selectChildren,
  selectEvents,
  selectInboxes,
  selectLoadedExecution,
  selectNextUnheldWakeAt,
  selectSummaries,
  storeRequest,
  type Database,
  type IsGone,
} from '../sql/index.js'
import { ChangeWatcher } from './change-watcher.js'
import { GroupCommit } from './group-commit.js'
import { toStoreError } from './sqlite-errors.js'
import { ReadStatements } from './read-statements.js'
import { withStatementCache } from './statement-cache.js'
import { privateWriteLock, sharedWriteLock, type HeldWriteLock } from './write-lock.js'

/** What `openSqliteStore` accepts. */
export interface SqliteStoreOptions {
  /** The database file (created when missing), or `':memory:'` for a private in-memory database. */
  readonly path: string
  /** The only source of time (`deleteEndedBefore`, migrations' `applied_at`). @default systemClock */
  readonly clock?: Clock | undefined
  /** How long a write waits for another process's write lock before StoreUnavailableError. @default 5000 */
  readonly busyTimeoutMs?: number | undefined
  /**
   * `NORMAL` (with WAL) loses nothing when the process crashes, but the last commits can be lost on power loss or
   * an OS crash; `FULL` syncs the WAL on every commit and survives those too, at a cost in commit rate.
   * @default 'NORMAL'
   */
  readonly synchronous?: 'NORMAL' | 'FULL' | undefined
  /** Fail with StoreUnavailableError instead of creating the file when it does not exist. @default false */
  readonly fileMustExist?: boolean | undefined
}

/** `SqliteStoreOptions` with the defaults applied. */
export interface ResolvedSqliteStoreOptions {
  readonly path: string
  readonly clock: Clock
  readonly busyTimeoutMs: number
  readonly synchronous: 'NORMAL' | 'FULL'
  readonly fileMustExist: boolean
}

export const DEFAULT_BUSY_TIMEOUT_MS = 5_000

/** Executions deleted per retention transaction, so a large purge never holds the write lock for long. */
const RETENTION_BATCH = 100

const BEGIN_IMMEDIATE = sql`begin immediate`
const BEGIN = sql`begin`
const COMMIT = sql`commit`
const ROLLBACK = sql`rollback`

export function resolveSqliteStoreOptions(options: SqliteStoreOptions): ResolvedSqliteStoreOptions {
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new InvalidOptionError(
      'busyTimeoutMs',
      `must be a whole number of milliseconds, 0 or more; got ${busyTimeoutMs}`,
    )
  }
  const synchronous = options.synchronous ?? 'NORMAL'
  if (synchronous !== 'NORMAL' && synchronous !== 'FULL') {
    throw new InvalidOptionError('synchronous', `must be NORMAL or FULL; got ${String(synchronous)}`)
  }
  if (options.path === '') throw new InvalidOptionError('path', 'must name a file, or be ":memory:"')
  return Object.freeze({
    path: options.path,
    clock: options.clock ?? systemClock,
    busyTimeoutMs,
    synchronous,
    fileMustExist: options.fileMustExist ?? false,
  })
}

/**
 * Opens (and creates, unless `fileMustExist`) a SQLite store: WAL journal (files only), `busy_timeout`, the chosen
 * `synchronous` level and foreign keys on. Does not migrate: call `migrate()` (or use `openStore`). Several
 * processes may share one file on a local disk (WAL does not work over network file systems).
 *
 * @throws StoreUnavailableError when the file cannot be opened or is not a SQLite database.
 * @throws InvalidOptionError for a bad option.
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const resolved = resolveSqliteStoreOptions(options)
  const memory = resolved.path === ':memory:'
  let raw: BetterSqlite3.Database | undefined
  const giveUpAt = Date.now() + resolved.busyTimeoutMs
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    try {
      raw = new BetterSqlite3(resolved.path, { fileMustExist: resolved.fileMustExist })
      // busy_timeout first, so the pragmas below wait for other processes too.
      raw.pragma(`busy_timeout = ${resolved.busyTimeoutMs}`)
      if (!memory) raw.pragma('journal_mode = WAL')
      raw.pragma(`synchronous = ${resolved.synchronous}`)
      raw.pragma('foreign_keys = ON')
      break
    } catch (error) {
      raw?.close()
      raw = undefined
      // Switching a fresh file to WAL while another process initialises it can answer SQLITE_BUSY without
      // consulting the busy handler: try again until the busy timeout is used up.
      const busy = String((error as { code?: unknown }).code).startsWith('SQLITE_BUSY')
      if (busy && Date.now() + wait < giveUpAt) {
        await new Promise((resolve) => setTimeout(resolve, wait))
        continue
      }
      throw openError(error, resolved.path)
    }
  }
  return new SqliteStore(raw, resolved, memory ? privateWriteLock() : sharedWriteLock(realpathSync(resolved.path)))
}

/** The error for a file that cannot be opened, with what to check. */
function openError(error: unknown, path: string): StoreUnavailableError {
  const code = (error as { code?: unknown }).code
  const hint =
    code === 'SQLITE_NOTADB'
      ? 'It is not a SQLite database.'
      : 'Check that the directory exists and that this process may write there.'
  return new StoreUnavailableError(`Cannot open the SQLite database at ${path}: ${(error as Error).message}. ${hint}`, {
    cause: error,
  })
}

/** The SQLite implementation of `Store`. Every write is one `BEGIN IMMEDIATE` transaction. */
class SqliteStore implements Store {
  readonly dialect = 'sqlite'
  readonly location: string
  readonly #raw: BetterSqlite3.Database
  /** Prepared on first use (the tables exist only once migrated). */
  #readStatements: ReadStatements | null = null
  readonly #db: Kysely<Database>
  readonly #clock: Clock
  readonly #busyTimeoutMs: number
  readonly #memory: boolean
  readonly #writeLock: HeldWriteLock
  readonly #watcher: ChangeWatcher
  readonly #commits: GroupCommit
  /** Operations under way, which `close()` lets finish before it closes the connection. */
  readonly #running = new Set<Promise<unknown>>()
  #closed = false

  constructor(raw: BetterSqlite3.Database, options: ResolvedSqliteStoreOptions, writeLock: HeldWriteLock) {
    this.location = options.path
    this.#raw = raw
    this.#db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(raw) }) })
    this.#clock = options.clock
    this.#busyTimeoutMs = options.busyTimeoutMs
    this.#memory = options.path === ':memory:'
    this.#writeLock = writeLock
    this.#watcher = new ChangeWatcher(() => raw.pragma('data_version', { simple: true }) as number)
    this.#commits = new GroupCommit({
      raw,
      // Not refused once closing: the commits it runs were accepted before, and `close()` waits for them.
      exclusive: async (fn) => {
        await this.#writeLock.lock.run(() => this.#db.connection().execute(async () => fn()))
      },
      storeError: (error) => toStoreError(error, this.location, this.#busyTimeoutMs),
    })
  }

  async migrate(): Promise<void> {
    await migrateSchema(
      {
        dialect: 'sqlite',
        location: this.location,
        db: this.#db,
        exclusive: (fn) => this.#write((db) => fn(db, async (body) => void this.#raw.exec(body))),
      },
      this.#clock.now(),
    )
  }

  createExecution(input: NewExecution): Promise<CreateResult> {
    return this.#write((db) => createExecutionIn(db, input))
  }

  findExecution(id: string): Promise<ExecutionRecord | undefined> {
    return this.#read((db) => db.connection().execute(async () => this.#reads.execution(id)))
  }

  loadExecution(id: string): Promise<LoadedExecution | undefined> {
    return this.#snapshot((db) => selectLoadedExecution(db, id))
  }

  readSteps(id: string): Promise<{ steps: StepRecord[]; iterations: IterationRecord[] }> {
    return this.#read((db) => db.connection().execute(async () => this.#reads.steps(id)))
  }

  readExecution(id: string): Promise<ExecutionWithSteps | undefined> {
    return this.#read((db) => db.connection().execute(async () => this.#reads.whole(id)))
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
    return this.#write((db) => acquireIn(db, { id: executionId, holder, now, leaseMs, isGone }, { lock: false }))
  }

  renewAll(holderId: string, now: number, leaseMs: number): Promise<Set<string>> {
    return this.#write((db) => renewLeases(db, holderId, now, leaseMs))
  }

  release(lease: Lease): Promise<void> {
    return this.#write((db) => releaseLease(db, lease))
  }

  decideUnheld(request: DecideUnheldRequest): Promise<DecideUnheldResult> {
    return this.#write((db) => decideUnheldIn(db, request, { lock: false }))
  }

  claimAttempts(holder: HolderIdentity, limit: number, now: number, leaseMs: number): Promise<ClaimedAttempt[]> {
    if (limit <= 0) return Promise.resolve([])
    return this.#write((db) =>
      claimAttemptsIn(db, { holder, limit, now, leaseMs }, claimableAttemptsQuery(db, now).limit(limit)),
    )
  }

  renewAttempts(holderId: string, now: number, leaseMs: number): Promise<ClaimedAttempt[]> {
    return this.#write((db) => renewAttemptsIn(db, holderId, now, leaseMs))
  }

  heldAttempts(holderId: string): Promise<ClaimedAttempt[]> {
    return this.#read((db) => selectHeldAttempts(db, holderId))
  }

  releaseAttempts(holderId: string, now: number, attempts?: readonly ClaimedAttempt[]): Promise<number> {
    return this.#write((db) => releaseAttemptsIn(db, holderId, now, attempts))
  }

  findDue(query: DueQuery): Promise<string[]> {
    return this.#read((db) => selectDueExecutions(db, query))
  }

  countReadyAttempts(): Promise<number> {
    return this.#read((db) => countReadyAttempts(db))
  }

  nextAttemptExpiry(holderId: string): Promise<number | null> {
    return this.#read((db) => selectNextAttemptExpiry(db, holderId))
  }

  /** Prepared statements, and the commits of several executions in one transaction (group-commit.ts). */
  async commit(lease: Lease, changes: ExecutionChanges, now: number): Promise<TrellisEvent[]> {
    this.#assertOpen()
    return this.#track(this.#commits.commit(lease, changes, now))
  }

  appendSignal(executionId: string, topic: string, data: unknown, now: number): Promise<TrellisEvent> {
    return this.#write((db) => appendSignalIn(db, { executionId, topic, data, now }))
  }

  request(
    executionId: string,
    kind: 'pause' | 'cancel' | 'resume',
    reason: string | null,
    now: number,
  ): Promise<ExecutionRecord> {
    return this.#write((db) => storeRequest(db, executionId, { kind, reason, now }, { lock: false }))
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
    // Nothing else can open a private in-memory database, so nothing external ever changes it.
    if (this.#memory || this.#closed) return () => {}
    return this.#watcher.subscribe(listener)
  }

  async deleteEndedBefore(cutoff: number): Promise<number> {
    await this.#write((db) => clampFutureCompletions(db, this.#clock.now()))
    let deleted = 0
    for (;;) {
      const batch = await this.#write((db) => deleteEndedBatch(db, cutoff, RETENTION_BATCH))
      if (batch === 0) return deleted
      deleted += batch
    }
  }

  /** Refuses new operations at once, lets those under way finish (queued commits included), then closes. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#watcher.close()
    await Promise.allSettled([...this.#running])
    try {
      await this.#db.destroy()
    } finally {
      if (this.#raw.open) this.#raw.close()
      this.#writeLock.release()
    }
  }

  /** One write transaction: this process's lock for the file, then `BEGIN IMMEDIATE` on the store's connection. */
  async #write<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    this.#assertOpen()
    try {
      return await this.#track(
        this.#writeLock.lock.run(() =>
          this.#db.connection().execute(async (db) => {
            await BEGIN_IMMEDIATE.execute(db)
            try {
              const result = await fn(db)
              await COMMIT.execute(db)
              return result
            } catch (error) {
              if (this.#raw.inTransaction) await ROLLBACK.execute(db)
              throw error
            }
          }),
        ),
      )
    } catch (error) {
      throw toStoreError(error, this.location, this.#busyTimeoutMs)
    }
  }

  /** Several reads from one snapshot (a deferred transaction: under WAL it never waits for writers). */
  #snapshot<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.#read((store) =>
      store.connection().execute(async (db) => {
        await BEGIN.execute(db)
        try {
          return await fn(db)
        } finally {
          if (this.#raw.inTransaction) await COMMIT.execute(db)
        }
      }),
    )
  }

  get #reads(): ReadStatements {
    return (this.#readStatements ??= new ReadStatements(this.#raw))
  }

  async #read<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    this.#assertOpen()
    try {
      return await this.#track(fn(this.#db))
    } catch (error) {
      throw toStoreError(error, this.location, this.#busyTimeoutMs)
    }
  }

  /** Keeps an operation under way in `#running` until it settles, so `close()` can wait for it. */
  #track<T>(operation: Promise<T>): Promise<T> {
    this.#running.add(operation)
    void operation.then(
      () => this.#running.delete(operation),
      () => this.#running.delete(operation),
    )
    return operation
  }

  /** A closed store answers with a clear error, before Kysely's destroyed driver is touched (it would leak a rejection). */
  #assertOpen(): void {
    if (this.#closed) throw new StoreUnavailableError(`The store at ${this.location} is closed.`)
  }
}
