import { Handle, type Node, type NodeProps, Position } from '@xyflow/react'
import { memo } from 'react'
import type { ApiGraphNode, ApiStep } from '../../api/types.js'
import { formatDuration } from '../../lib/format.js'
import { isStepActive, stepElapsedMs } from '../../lib/status.js'
import { useNow } from '../../lib/use-now.js'

export interface StepNodeData extends Record<string, unknown> {
  readonly spec: ApiGraphNode
  /** The step in an execution; null on a workflow's own graph. */
  readonly step: ApiStep | null
  readonly selected: boolean
}

export type StepFlowNode = Node<StepNodeData, 'step'>

/** What a step does, in a few words: `core.http`, `signal approval`, `sleep 5m`. */
export function stepDetail(spec: ApiGraphNode): string {
  switch (spec.kind) {
    case 'action':
      return spec.action ?? 'action'
    case 'workflow':
      return `workflow ${spec.workflow ?? ''}`
    case 'sleep':
      return `sleep ${typeof spec.sleep === 'number' ? formatDuration(spec.sleep) : (spec.sleep ?? '')}`
    case 'wait':
      return `signal ${spec.signal ?? ''}`
    case 'pause':
      return 'pause'
  }
}

/** One step of the graph, coloured by its state (`data-state`); only re-renders when its own step changes. */
export const StepNode = memo(function StepNode({ data }: NodeProps<StepFlowNode>) {
  const { spec, step, selected } = data
  const state = step?.status ?? 'static'
  const now = useNow(1_000, step !== null && isStepActive(step.status))
  const ms = step === null ? null : stepElapsedMs(step, now)
  const attempts =
    step === null || step.attempts === 0
      ? null
      : spec.max_attempts > 1
        ? `attempt ${step.attempts}/${spec.max_attempts}`
        : `${step.attempts} attempt${step.attempts === 1 ? '' : 's'}`
  return (
    <div
      className={`step-node${selected ? ' is-selected' : ''}`}
      data-testid={`step-node-${spec.id}`}
      data-state={state}
      data-kind={spec.kind}
      title={spec.id}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <div className="step-node__name">{spec.id}</div>
      <div className="step-node__detail">
        <span className={`kind kind--${spec.kind}`}>{spec.kind}</span>
        {spec.for_each !== null && <span className="kind">for each</span>}
        <span className="step-node__what">{stepDetail(spec)}</span>
      </div>
      {step !== null && (
        <div className="step-node__meta">
          <span className="step-node__state">{state}</span>
          {attempts !== null && <span>{attempts}</span>}
          {ms !== null && <span>{formatDuration(ms)}</span>}
        </div>
      )}
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  )
})
