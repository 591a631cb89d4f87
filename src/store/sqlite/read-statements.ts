import type BetterSqlite3 from 'better-sqlite3'
import type { ExecutionRecord, ExecutionWithSteps, IterationRecord, StepRecord } from '../index.js'
import {
  executionFromRow,
  iterationFromRow,
  stepFromRow,
  type ExecutionRow,
  type IterationRow,
  type StepRow,
} from '../sql/index.js'

/**
 * The reads every run ends with (`findExecution`, `readExecution`: the caller's `result()`), hand-written and
 * prepared once per connection like the commit path (commit-statements.ts), instead of built and compiled by Kysely
 * on every call. Call them only while holding the store's connection (Kysely's `connection().execute`): a read
 * between the statements of another operation's open transaction would see its uncommitted rows.
 */
export class ReadStatements {
  readonly #execution: BetterSqlite3.Statement<[string], ExecutionRow>
  readonly #steps: BetterSqlite3.Statement<[string], StepRow>
  readonly #iterations: BetterSqlite3.Statement<[string], IterationRow>
  readonly #begin: BetterSqlite3.Statement
  readonly #commit: BetterSqlite3.Statement
  readonly #raw: BetterSqlite3.Database

  constructor(raw: BetterSqlite3.Database) {
    this.#raw = raw
    this.#execution = raw.prepare('select * from executions where id = ?')
    this.#steps = raw.prepare('select * from steps where execution_id = ? order by name')
    this.#iterations = raw.prepare('select * from iterations where execution_id = ? order by step, idx')
    this.#begin = raw.prepare('begin')
    this.#commit = raw.prepare('commit')
  }

  execution(id: string): ExecutionRecord | undefined {
    const row = this.#execution.get(id)
    return row === undefined ? undefined : executionFromRow(row)
  }

  /** Steps and iterations from one snapshot (another process may commit between two statements otherwise). */
  steps(id: string): { steps: StepRecord[]; iterations: IterationRecord[] } {
    return this.#snapshot(() => this.#stepsOf(id))
  }

  /** The row with its steps and iterations, from one snapshot. */
  whole(id: string): ExecutionWithSteps | undefined {
    return this.#snapshot(() => {
      const execution = this.execution(id)
      return execution === undefined ? undefined : { execution, ...this.#stepsOf(id) }
    })
  }

  #stepsOf(id: string): { steps: StepRecord[]; iterations: IterationRecord[] } {
    return {
      steps: this.#steps.all(id).map(stepFromRow),
      iterations: this.#iterations.all(id).map(iterationFromRow),
    }
  }

  #snapshot<T>(read: () => T): T {
    const own = !this.#raw.inTransaction
    if (own) this.#begin.run()
    try {
      return read()
    } finally {
      if (own && this.#raw.inTransaction) this.#commit.run()
    }
  }
}
