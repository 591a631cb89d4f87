import type { ApiExecutionStatus, ApiStepStatus } from '../api/types.js'

/** A status as a coloured pill; `data-status` carries it for tests. */
export function StatusBadge({
  status,
  large = false,
}: {
  status: ApiExecutionStatus | ApiStepStatus
  large?: boolean
}) {
  return (
    <span className={`badge badge--${status}${large ? ' badge--large' : ''}`} data-status={status}>
      <span className="badge__dot" aria-hidden />
      {status}
    </span>
  )
}
