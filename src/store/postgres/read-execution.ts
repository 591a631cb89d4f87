import { sql, type Kysely } from 'kysely'
import type { AttemptRecord, ExecutionWithSteps, LoadedExecution } from '../index.js'
import {
  attemptFromRow,
  executionFromRow,
  iterationFromRow,
  signalFromRow,
  stepFromRow,
  type AttemptRow,
  type Database,
  type ExecutionRow,
  type IterationRow,
  type SignalRow,
  type StepRow,
} from '../sql/index.js'

// One statement each, so one round trip and one snapshot: the execution row with its other rows aggregated as
// JSON. The aggregated rows have the tables' column names; BIGINT values arrive as JSON numbers (all far below 2^53,
// as everywhere in Trellis), so the shared row codecs read them unchanged.

const STEPS = sql`coalesce((select json_agg(s order by s.name) from steps s where s.execution_id = e.id), '[]')`
const ITERATIONS = sql`coalesce((select json_agg(i order by i.step, i.idx) from iterations i where i.execution_id = e.id), '[]')`

/** `Store.readExecution` on PostgreSQL. */
export async function selectExecutionWithSteps(
  db: Kysely<Database>,
  id: string,
): Promise<ExecutionWithSteps | undefined> {
  const result = await sql<ExecutionRow & { steps_json: StepRow[]; iterations_json: IterationRow[] }>`
    select e.*, ${STEPS} as steps_json, ${ITERATIONS} as iterations_json
    from executions e where e.id = ${id}`.execute(db)
  const row = result.rows[0]
  if (row === undefined) return undefined
  const { steps_json: steps, iterations_json: iterations, ...execution } = row
  return {
    execution: executionFromRow(execution),
    steps: steps.map(stepFromRow),
    iterations: iterations.map(iterationFromRow),
  }
}

/** What a decision on a detached execution reads: everything `loadExecution` gives, and its attempt rows. */
export interface ExecutionForDecision {
  readonly loaded: LoadedExecution
  readonly attempts: AttemptRecord[]
  /** The row's `version` (the execution record has no such field). */
  readonly version: number
}

/** The execution with its steps, iterations, untaken signals and attempt rows, without locking anything. */
export async function selectForDecision(db: Kysely<Database>, id: string): Promise<ExecutionForDecision | undefined> {
  const result = await sql<
    ExecutionRow & {
      steps_json: StepRow[]
      iterations_json: IterationRow[]
      signals_json: SignalRow[]
      attempts_json: AttemptRow[]
    }
  >`
    select e.*, ${STEPS} as steps_json, ${ITERATIONS} as iterations_json,
      coalesce((select json_agg(g order by g.id) from signals g where g.execution_id = e.id and g.consumed_by is null),
        '[]') as signals_json,
      coalesce((select json_agg(a) from attempts a where a.execution_id = e.id), '[]') as attempts_json
    from executions e where e.id = ${id}`.execute(db)
  const row = result.rows[0]
  if (row === undefined) return undefined
  const { steps_json, iterations_json, signals_json, attempts_json, ...execution } = row
  return {
    loaded: {
      execution: executionFromRow(execution),
      steps: steps_json.map(stepFromRow),
      iterations: iterations_json.map(iterationFromRow),
      signals: signals_json.map(signalFromRow),
    },
    attempts: attempts_json.map(attemptFromRow),
    version: Number(execution.version),
  }
}
