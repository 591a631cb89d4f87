import type { Execution, StepView } from '../engine/index.js'
import { formatDuration } from '../util/index.js'
import { executionDuration, jsonBlock } from './summary.js'

/** Pads columns to a common width; the last column is left as is. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = []
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)))
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  )
}

/** `status` for people: the execution, then a table of its steps. */
export function renderStatus(execution: Execution): string {
  const lines: string[] = []
  const took = executionDuration(execution)
  lines.push(`${execution.id}  ${execution.workflow}  ${execution.status}${took === null ? '' : ` in ${took}`}`)
  if (execution.parentId !== null) lines.push(`child of ${execution.parentId} (step ${execution.parentStep ?? '?'})`)
  const times = [
    `created ${execution.createdAt}`,
    execution.startedAt === null ? null : `started ${execution.startedAt}`,
    execution.completedAt === null ? null : `completed ${execution.completedAt}`,
  ].filter((t) => t !== null)
  lines.push(times.join('  '))
  lines.push(jsonBlock('inputs', execution.inputs))
  if (execution.status === 'completed') lines.push(jsonBlock('outputs', execution.outputs))
  if (execution.error !== null) {
    const { step, code, message } = execution.error
    lines.push(`error: ${step === null ? '' : `step ${step}: `}${code}: ${message}`)
  }
  lines.push('')
  const rows: string[][] = [['STEP', 'STATUS', 'ATTEMPTS', 'DURATION', 'DETAIL']]
  for (const [name, step] of Object.entries(execution.steps)) {
    rows.push([name, step.status, String(step.attempts), stepDuration(step), stepDetail(step)])
  }
  lines.push(...table(rows))
  return lines.join('\n')
}

function stepDuration(step: StepView): string {
  if (step.startedAt === null) return '-'
  const end = step.completedAt === null ? null : Date.parse(step.completedAt)
  if (end === null) return '-'
  return formatDuration(Math.max(0, end - Date.parse(step.startedAt)))
}

function stepDetail(step: StepView): string {
  const parts: string[] = []
  if (step.iterations !== undefined) {
    const done = step.iterations.filter((it) => it.status === 'completed').length
    parts.push(`${done}/${step.iterations.length} iterations completed`)
  }
  if (step.error !== null) parts.push(`${step.error.code}: ${step.error.message}`)
  else if (step.status === 'completed' && step.output !== null && step.iterations === undefined) {
    const output = JSON.stringify(step.output)
    parts.push(`output ${output.length > 60 ? `${output.slice(0, 57)}...` : output}`)
  }
  return parts.join('; ')
}
