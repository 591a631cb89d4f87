import type { Execution } from '../engine/index.js'
import { formatDuration } from '../util/index.js'

/** A JSON value on one line when it is short, else indented under its label. */
export function jsonBlock(label: string, value: unknown): string {
  const compact = JSON.stringify(value)
  if (compact.length <= 100) return `${label}: ${compact}`
  const pretty = JSON.stringify(value, null, 2)
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n')
  return `${label}:\n${pretty}`
}

/** How long an execution ran (started to completed), or null while either is unknown. */
export function executionDuration(execution: Execution): string | null {
  if (execution.startedAt === null || execution.completedAt === null) return null
  return formatDuration(Math.max(0, Date.parse(execution.completedAt) - Date.parse(execution.startedAt)))
}

/** The short account printed after `run`, `resume` and `retry`: status, then outputs or the error and what to do. */
export function executionSummary(execution: Execution): string {
  const took = executionDuration(execution)
  const head = `${execution.status} ${execution.id} (${execution.workflow})${took === null ? '' : ` in ${took}`}`
  const lines = [head]
  switch (execution.status) {
    case 'completed':
      if (Object.keys(execution.outputs).length > 0) lines.push(jsonBlock('outputs', execution.outputs))
      break
    case 'failed': {
      const error = execution.error
      if (error !== null)
        lines.push(`error: ${error.step === null ? '' : `step ${error.step}: `}${error.code}: ${error.message}`)
      lines.push(`retry it with: trellis retry ${execution.id}`)
      break
    }
    case 'pending':
    case 'running':
    case 'suspended':
    case 'paused':
      lines.push(`it goes on; see it with: trellis status ${execution.id}`)
      break
    case 'cancelled':
      break
  }
  return lines.join('\n')
}
