import type BetterSqlite3 from 'better-sqlite3'
import type { TrellisEvent } from '../../events/index.js'
import type { ExecutionChanges, Lease } from '../index.js'
import type { EncodedChanges } from '../sql/index.js'
import { CommitStatements } from './commit-statements.js'

/** One caller of `Store.commit` waiting for its batch. */
interface Waiting {
  readonly lease: Lease
  readonly changes: ExecutionChanges
  readonly now: number
  readonly resolve: (events: TrellisEvent[]) => void
  readonly reject: (error: unknown) => void
}

/** The statements of a batch, prepared once per connection. */
interface Prepared {
  readonly statements: CommitStatements
  readonly begin: BetterSqlite3.Statement
  readonly commit: BetterSqlite3.Statement
  readonly rollback: BetterSqlite3.Statement
  readonly savepoint: BetterSqlite3.Statement
  readonly release: BetterSqlite3.Statement
  readonly rollbackTo: BetterSqlite3.Statement
}

function prepare(raw: BetterSqlite3.Database): Prepared {
  return {
    statements: new CommitStatements(raw),
    begin: raw.prepare('begin immediate'),
    commit: raw.prepare('commit'),
    rollback: raw.prepare('rollback'),
    savepoint: raw.prepare('savepoint trellis_commit'),
    release: raw.prepare('release trellis_commit'),
    rollbackTo: raw.prepare('rollback to trellis_commit'),
  }
}

/** What the group commit needs from its store. */
export interface GroupCommitHost {
  readonly raw: BetterSqlite3.Database
  /**
   * Runs `fn` when the store's connection is free for a write: this process's write lock for the file and the
   * connection's own mutex held, no other transaction open on it.
   */
  exclusive(fn: () => void): Promise<void>
  /** The error a caller sees for a failure of the database itself (busy, disk full, …). */
  storeError(error: unknown): unknown
}

/**
 * Group commit: the commits of different executions that arrive while one batch is being gathered (this turn of the
 * event loop) share one `BEGIN IMMEDIATE … COMMIT`, each in a SAVEPOINT of its own. A commit that fails (lease
 * lost, a signal already taken, a value that is not JSON) rolls back to its savepoint and rejects that caller
 * alone; the others still commit. Every caller's promise settles only after the shared COMMIT returned (or
 * failed), so nothing acts on a change before it is durable, exactly as with one transaction per commit. One
 * WAL append and, under `synchronous=FULL`, one fsync then serve the whole batch.
 */
export class GroupCommit {
  readonly #host: GroupCommitHost
  /** Prepared on the first commit: the tables exist only once the store is migrated. */
  #prepared: Prepared | undefined
  #waiting: Waiting[] = []
  #scheduled = false

  constructor(host: GroupCommitHost) {
    this.#host = host
  }

  /** `Store.commit`: resolves with the stored events once the batch holding this commit has committed. */
  commit(lease: Lease, changes: ExecutionChanges, now: number): Promise<TrellisEvent[]> {
    return new Promise<TrellisEvent[]>((resolve, reject) => {
      this.#waiting.push({ lease, changes, now, resolve, reject })
      if (this.#scheduled) return
      this.#scheduled = true
      // The other executions' commits of this turn of the event loop arrive before the immediate runs.
      setImmediate(() => this.#flush())
    })
  }

  #flush(): void {
    let ran = false
    this.#host
      .exclusive(() => {
        ran = true
        // Taken now, not when scheduled: commits that arrived while the lock was busy join this batch.
        this.#scheduled = false
        const batch = this.#waiting
        this.#waiting = []
        this.#run(batch)
      })
      .catch((error: unknown) => {
        // The lock or connection could not be had (the store closed): nothing of this batch ran.
        if (ran) return
        this.#scheduled = false
        const batch = this.#waiting
        this.#waiting = []
        for (const w of batch) w.reject(error)
      })
  }

  /** One transaction for the batch; settles every caller after it ends. Synchronous from BEGIN to COMMIT. */
  #run(batch: readonly Waiting[]): void {
    let p: Prepared
    try {
      p = this.#prepared ??= prepare(this.#host.raw)
    } catch (error) {
      const failure = this.#host.storeError(error)
      for (const w of batch) w.reject(failure)
      return
    }
    const encoded: (EncodedChanges | undefined)[] = []
    const results: ({ ok: true; events: TrellisEvent[] } | { ok: false; error: unknown })[] = []
    for (const w of batch) {
      try {
        encoded.push(p.statements.encode(w.lease, w.changes, w.now))
        results.push({ ok: true, events: [] })
      } catch (error) {
        encoded.push(undefined)
        results.push({ ok: false, error })
      }
    }
    const raw = this.#host.raw
    const single = batch.length === 1
    try {
      p.begin.run()
    } catch (error) {
      const failure = this.#host.storeError(error)
      for (const w of batch) w.reject(failure)
      return
    }
    try {
      for (let i = 0; i < batch.length; i++) {
        const w = batch[i]!
        const changes = encoded[i]
        if (changes === undefined) continue
        if (single) {
          results[i] = { ok: true, events: p.statements.write(w.lease, w.changes, changes, w.now) }
          continue
        }
        p.savepoint.run()
        try {
          results[i] = { ok: true, events: p.statements.write(w.lease, w.changes, changes, w.now) }
          p.release.run()
        } catch (error) {
          // SQLite ends the whole transaction itself on some errors (disk full, I/O): then nothing can be kept.
          if (!raw.inTransaction) throw error
          p.rollbackTo.run()
          p.release.run()
          results[i] = { ok: false, error: this.#host.storeError(error) }
        }
      }
      p.commit.run()
    } catch (error) {
      if (raw.inTransaction) p.rollback.run()
      const failure = this.#host.storeError(error)
      for (const w of batch) w.reject(failure)
      return
    }
    for (let i = 0; i < batch.length; i++) {
      const result = results[i]!
      if (result.ok) batch[i]!.resolve(result.events)
      else batch[i]!.reject(result.error)
    }
  }
}
