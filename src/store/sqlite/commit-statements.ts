import type BetterSqlite3 from 'better-sqlite3'
import type { TrellisEvent } from '../../events/index.js'
import { InternalError } from '../../util/index.js'
import { LeaseLostError, type ExecutionChanges, type Lease, type OperatorRequests } from '../index.js'
import {
  encodeChanges,
  ITERATION_VALUE_COLUMNS,
  STEP_VALUE_COLUMNS,
  storedEvent,
  type EncodedChanges,
} from '../sql/index.js'

const STEP_COLUMNS = ['execution_id', 'name', ...STEP_VALUE_COLUMNS] as const

const ITERATION_COLUMNS = ['execution_id', 'step', 'idx', ...ITERATION_VALUE_COLUMNS] as const

const EVENT_COLUMNS = ['execution_id', 'seq', 'type', 'at', 'step', 'attempt', 'idx', 'data'] as const

/** `INSERT … ON CONFLICT (key) DO UPDATE SET` every other column: the row as given replaces the stored one. */
function upsertSql(table: string, columns: readonly string[], key: readonly string[]): string {
  const values = columns.map(() => '?').join(', ')
  const set = columns
    .filter((column) => !key.includes(column))
    .map((column) => `${column} = excluded.${column}`)
    .join(', ')
  return `insert into ${table} (${columns.join(', ')}) values (${values}) on conflict (${key.join(', ')}) do update set ${set}`
}

/**
 * The SQLite commit path as hand-written statements, prepared once per connection: `Store.commit` runs the same few
 * statements for every step, so building and compiling them with Kysely on every call cost more than running them.
 * Same writes, same order and same checks as the shared `applyChanges` (store/sql/commit.ts), which PostgreSQL uses.
 */
export class CommitStatements {
  readonly #raw: BetterSqlite3.Database
  /** The fenced UPDATE of the execution row, one per set of patched columns (a handful in practice). */
  readonly #updateExecution = new Map<string, BetterSqlite3.Statement>()
  readonly #clearRequests: BetterSqlite3.Statement
  readonly #deleteIterations: BetterSqlite3.Statement
  readonly #upsertStep: BetterSqlite3.Statement
  readonly #upsertIteration: BetterSqlite3.Statement
  readonly #consumeSignal: BetterSqlite3.Statement
  readonly #insertEvent: BetterSqlite3.Statement

  constructor(raw: BetterSqlite3.Database) {
    this.#raw = raw
    this.#clearRequests = raw.prepare('update executions set requests = ? where id = ?')
    this.#deleteIterations = raw.prepare('delete from iterations where execution_id = ? and step = ?')
    this.#upsertStep = raw.prepare(upsertSql('steps', STEP_COLUMNS, ['execution_id', 'name']))
    this.#upsertIteration = raw.prepare(upsertSql('iterations', ITERATION_COLUMNS, ['execution_id', 'step', 'idx']))
    this.#consumeSignal = raw.prepare(
      'update signals set consumed_by = ?, consumed_at = ? where id = ? and execution_id = ? and consumed_by is null',
    )
    this.#insertEvent = raw.prepare(
      `insert into events (${EVENT_COLUMNS.join(', ')}) values (${EVENT_COLUMNS.map(() => '?').join(', ')})`,
    )
  }

  /** Encodes a commit; throws a TypeError for a value that is not JSON (before anything is written). */
  encode(lease: Lease, changes: ExecutionChanges, now: number): EncodedChanges {
    return encodeChanges(lease.executionId, changes, now)
  }

  /**
   * Writes an encoded commit inside the caller's transaction: the fenced UPDATE of the execution row (patch,
   * `updated_at`, `last_seq` advanced by the number of events, `version` by one) that checks the lease, the cleared requests,
   * iteration deletes, step and iteration upserts, taken signals, then the events. Throws LeaseLostError when the
   * holder or token no longer match, InternalError when a signal to take is not waiting; the caller rolls back.
   * Returns the events as stored.
   */
  write(lease: Lease, changes: ExecutionChanges, encoded: EncodedChanges, now: number): TrellisEvent[] {
    const id = lease.executionId
    const pending = changes.events ?? []
    const patchColumns = Object.keys(encoded.patch) as (keyof typeof encoded.patch)[]
    const params: unknown[] = patchColumns.map((column) => encoded.patch[column])
    params.push(now, pending.length, id, lease.holderId, lease.token)
    const updated = this.#executionUpdate(patchColumns).get(params) as
      { last_seq: number; requests: string } | undefined
    if (updated === undefined) throw new LeaseLostError(id)
    const firstSeq = updated.last_seq - pending.length + 1

    const clear = changes.clearRequests ?? []
    if (clear.length > 0) {
      const requests = JSON.parse(updated.requests) as Record<keyof OperatorRequests, unknown>
      for (const kind of clear) delete requests[kind]
      this.#clearRequests.run(JSON.stringify(requests), id)
    }
    for (const step of new Set(changes.deleteIterationsOf ?? [])) this.#deleteIterations.run(id, step)
    for (const row of encoded.steps) {
      this.#upsertStep.run(
        row.execution_id,
        row.name,
        row.status,
        row.attempts,
        row.failures,
        row.output,
        row.error,
        row.started_at,
        row.completed_at,
        row.wake_at,
        row.remaining_ms,
        row.topic,
        row.reason,
        row.items,
      )
    }
    for (const row of encoded.iterations) {
      this.#upsertIteration.run(
        row.execution_id,
        row.step,
        row.idx,
        row.status,
        row.attempts,
        row.failures,
        row.output,
        row.error,
        row.started_at,
        row.completed_at,
        row.wake_at,
        row.remaining_ms,
      )
    }
    for (const { id: signalId, step } of changes.consumeSignals ?? []) {
      if (this.#consumeSignal.run(step, now, signalId, id).changes !== 1) {
        // execution-model.md guarantee 6: each signal is delivered exactly once.
        throw new InternalError(
          `Signal ${signalId} of execution ${id} is not waiting to be taken (unknown, or taken already); ` +
            `step "${step}" cannot take it. Nothing was committed.`,
        )
      }
    }
    const events = encoded.events
    for (let i = 0; i < events.length; i++) {
      const row = events[i]!
      this.#insertEvent.run(id, firstSeq + i, row.type, row.at, row.step, row.attempt, row.idx, row.data)
    }
    return pending.map((event, i) => storedEvent(id, firstSeq + i, now, event))
  }

  #executionUpdate(patchColumns: readonly string[]): BetterSqlite3.Statement {
    const key = patchColumns.join(',')
    let statement = this.#updateExecution.get(key)
    if (statement === undefined) {
      const set = [
        ...patchColumns.map((column) => `${column} = ?`),
        'updated_at = ?',
        'last_seq = last_seq + ?',
        'version = version + 1',
      ]
      statement = this.#raw.prepare(
        `update executions set ${set.join(', ')} where id = ? and holder_id = ? and lease_token = ? ` +
          'returning last_seq, requests',
      )
      this.#updateExecution.set(key, statement)
    }
    return statement
  }
}
