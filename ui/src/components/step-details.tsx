import type { ApiGraphNode, ApiStep } from '../api/types.js'
import { formatClock, formatDuration } from '../lib/format.js'
import { isStepActive, stepElapsedMs } from '../lib/status.js'
import { useNow } from '../lib/use-now.js'
import { stepDetail } from './graph/step-node.js'
import { href, Link } from '../router.js'
import { JsonView } from './json-view.js'
import { StatusBadge } from './status-badge.js'

const ITERATIONS_SHOWN = 200

export interface StepDetailsProps {
  readonly spec: ApiGraphNode
  /** The step in an execution; null on a workflow's own graph. */
  readonly step: ApiStep | null
  /** The execution, to link a `workflow` step to its child execution(s). */
  readonly executionId?: string
  readonly onClose: () => void
}

/** A `workflow` step's child execution: `<parent id>:<step>[:<index>]` (ARCHITECTURE.md). */
function childId(executionId: string, step: string, index?: number): string {
  return index === undefined ? `${executionId}:${step}` : `${executionId}:${step}:${index}`
}

/** The selected step: what it is, how it went, its output or error, its iterations and child executions. */
export function StepDetails({ spec, step, executionId, onClose }: StepDetailsProps) {
  const parent = spec.kind === 'workflow' && executionId !== undefined ? executionId : null
  const now = useNow(1_000, step !== null && isStepActive(step.status))
  const ms = step === null ? null : stepElapsedMs(step, now)
  return (
    <aside className="step-details" data-testid="step-details" data-step={spec.id}>
      <header>
        <h3>{spec.id}</h3>
        <button type="button" className="link-button" onClick={onClose} aria-label="Close">
          ×
        </button>
      </header>
      <dl className="facts">
        <dt>Kind</dt>
        <dd>
          {spec.kind} · <code>{stepDetail(spec)}</code>
        </dd>
        {step !== null && (
          <>
            <dt>Status</dt>
            <dd>
              <StatusBadge status={step.status} />
            </dd>
            <dt>Attempts</dt>
            <dd>
              {step.attempts}
              {spec.max_attempts > 1 && ` of ${spec.max_attempts} per run`}
            </dd>
            {step.started_at !== null && (
              <>
                <dt>Started</dt>
                <dd>{formatClock(step.started_at, now)}</dd>
              </>
            )}
            {ms !== null && (
              <>
                <dt>{step.completed_at === null ? 'So far' : 'Took'}</dt>
                <dd>{formatDuration(ms)}</dd>
              </>
            )}
          </>
        )}
        {parent !== null && step !== null && step.attempts > 0 && step.iterations === undefined && (
          <>
            <dt>Child</dt>
            <dd>
              <Link to={href.execution(childId(parent, spec.id))} className="mono" data-testid="child-link">
                {childId(parent, spec.id)}
              </Link>
            </dd>
          </>
        )}
        {spec.needs.length > 0 && (
          <>
            <dt>Needs</dt>
            <dd>{spec.needs.join(', ')}</dd>
          </>
        )}
        {spec.needs_any.length > 0 && (
          <>
            <dt>Needs any</dt>
            <dd>{spec.needs_any.join(', ')}</dd>
          </>
        )}
        {spec.when !== null && (
          <>
            <dt>When</dt>
            <dd>
              <code>{spec.when}</code>
            </dd>
          </>
        )}
        {spec.for_each !== null && (
          <>
            <dt>For each</dt>
            <dd>
              <code>{spec.for_each}</code>
            </dd>
          </>
        )}
        {spec.timeout_ms !== null && (
          <>
            <dt>Timeout</dt>
            <dd>{formatDuration(spec.timeout_ms)}</dd>
          </>
        )}
      </dl>
      {step?.error != null && (
        <div className="error-box" data-testid="step-error">
          <strong>{step.error.code}</strong> {step.error.message}
        </div>
      )}
      {step !== null && step.status === 'completed' && (
        <>
          <h4>Output</h4>
          <JsonView value={step.output} empty="no output" testId="step-output" />
        </>
      )}
      {step?.iterations !== undefined && (
        <>
          <h4>Iterations ({step.iterations.length})</h4>
          <table className="mini-table">
            <thead>
              <tr>
                <th>#</th>
                <th>status</th>
                <th>attempts</th>
              </tr>
            </thead>
            <tbody>
              {step.iterations.slice(0, ITERATIONS_SHOWN).map((it) => (
                <tr key={it.index}>
                  <td>
                    {parent !== null && it.attempts > 0 ? (
                      <Link to={href.execution(childId(parent, spec.id, it.index))}>{it.index}</Link>
                    ) : (
                      it.index
                    )}
                  </td>
                  <td>
                    <StatusBadge status={it.status} />
                  </td>
                  <td>{it.attempts}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {step.iterations.length > ITERATIONS_SHOWN && (
            <p className="muted">and {step.iterations.length - ITERATIONS_SHOWN} more</p>
          )}
        </>
      )}
    </aside>
  )
}
