import { sql, type Kysely } from 'kysely'
import type { ExecutionWithSteps } from '../index.js'
import {
  executionFromRow,
  iterationFromRow,
  stepFromRow,
  type Database,
  type ExecutionRow,
  type IterationRow,
  type StepRow,
} from '../sql/index.js'

/**
 * `Store.readExecution` on PostgreSQL: the row with its steps and iterations aggregated as JSON, in one statement,
 * so one round trip and one snapshot. The aggregated rows have the tables' column names; BIGINT values arrive as
 * JSON numbers (all far below 2^53, as everywhere in Trellis), so the shared row codecs read them unchanged.
 */
export async function selectExecutionWithSteps(
  db: Kysely<Database>,
  id: string,
): Promise<ExecutionWithSteps | undefined> {
  const result = await sql<ExecutionRow & { steps_json: StepRow[]; iterations_json: IterationRow[] }>`
    select e.*,
      coalesce((select json_agg(s order by s.name) from steps s where s.execution_id = e.id), '[]') as steps_json,
      coalesce((select json_agg(i order by i.step, i.idx) from iterations i where i.execution_id = e.id), '[]')
        as iterations_json
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
