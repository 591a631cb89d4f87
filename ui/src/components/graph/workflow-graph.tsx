import {
  Background,
  Controls,
  type Edge,
  MarkerType,
  MiniMap,
  type NodeMouseHandler,
  type NodeTypes,
  ReactFlow,
} from '@xyflow/react'
import '@xyflow/react/dist/style.css'
import { useEffect, useMemo, useRef, useState } from 'react'
import { errorMessage } from '../../api/client.js'
import type { ApiEdgeKind, ApiGraph, ApiGraphNode, ApiStep } from '../../api/types.js'
import { type GraphLayout, layoutGraph, NODE_HEIGHT, NODE_WIDTH } from './layout.js'
import { StepNode, type StepFlowNode } from './step-node.js'

const NODE_TYPES: NodeTypes = { step: StepNode }

const EDGE_STYLE: Record<ApiEdgeKind, { stroke: string; dash?: string; label?: string }> = {
  needs: { stroke: '#94a3b8' },
  needs_any: { stroke: '#94a3b8', dash: '6 4', label: 'any' },
  on_success: { stroke: '#16a34a', label: 'on success' },
  on_failure: { stroke: '#dc2626', dash: '6 4', label: 'on failure' },
  on_complete: { stroke: '#64748b', dash: '2 4', label: 'on complete' },
  on_timeout: { stroke: '#d97706', dash: '6 4', label: 'on timeout' },
}

/** The drawing's height follows the layout's, within these bounds (px). */
const MIN_HEIGHT = 300
const MAX_HEIGHT = 560

const ACTIVE = new Set(['running', 'retrying', 'waiting', 'paused', 'failed'])

/** Above this many steps, only the nodes in view are drawn and the view opens on the active steps. */
const LARGE_GRAPH = 120

const STATE_COLOURS: Record<string, string> = {
  pending: '#cbd5e1',
  running: '#2563eb',
  retrying: '#d97706',
  waiting: '#7c3aed',
  paused: '#ca8a04',
  completed: '#16a34a',
  failed: '#dc2626',
  skipped: '#e2e8f0',
  cancelled: '#6b7280',
  static: '#94a3b8',
}

export interface WorkflowGraphProps {
  readonly graph: ApiGraph
  /** The execution's steps, to colour each node by its state; absent on a workflow's own page. */
  readonly steps?: Readonly<Record<string, ApiStep>>
  readonly selected?: string | null
  readonly onSelect?: (step: string | null) => void
}

/**
 * The step graph (React Flow), laid out once per graph shape by ELK. Node objects are kept from one render to
 * the next unless their step changed, so an event re-renders only the node it is about.
 */
export function WorkflowGraph({ graph, steps, selected = null, onSelect }: WorkflowGraphProps) {
  const [layout, setLayout] = useState<GraphLayout | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    let live = true
    setLayout(null)
    layoutGraph(graph).then(
      (result) => live && setLayout(result),
      (e: unknown) => live && setError(errorMessage(e)),
    )
    return () => {
      live = false
    }
  }, [graph])

  const cache = useRef(
    new Map<string, { spec: ApiGraphNode; step: ApiStep | null; selected: boolean; node: StepFlowNode }>(),
  )
  const nodes = useMemo(() => {
    if (layout === null) return []
    const previous = cache.current
    const next = new Map<string, { spec: ApiGraphNode; step: ApiStep | null; selected: boolean; node: StepFlowNode }>()
    const list: StepFlowNode[] = []
    for (const spec of graph.nodes) {
      const step = steps?.[spec.id] ?? null
      const isSelected = selected === spec.id
      const old = previous.get(spec.id)
      const position = layout.positions.get(spec.id) ?? { x: 0, y: 0 }
      const node: StepFlowNode =
        old !== undefined && old.spec === spec && old.step === step && old.selected === isSelected
          ? old.node
          : {
              id: spec.id,
              type: 'step',
              position,
              width: NODE_WIDTH,
              height: NODE_HEIGHT,
              data: { spec, step, selected: isSelected },
              draggable: false,
              connectable: false,
            }
      next.set(spec.id, { spec, step, selected: isSelected, node })
      list.push(node)
    }
    cache.current = next
    return list
  }, [graph, layout, steps, selected])

  const edges = useMemo<Edge[]>(
    () =>
      graph.edges.map((e, i) => {
        const style = EDGE_STYLE[e.kind]
        return {
          id: `${i}:${e.from}->${e.to}`,
          source: e.from,
          target: e.to,
          type: 'default',
          label: style.label,
          labelStyle: { fontSize: 10, fill: style.stroke },
          labelBgStyle: { fill: '#ffffff' },
          style: { stroke: style.stroke, strokeWidth: 1.5, strokeDasharray: style.dash },
          markerEnd: { type: MarkerType.ArrowClosed, color: style.stroke, width: 16, height: 16 },
          focusable: false,
        }
      }),
    [graph],
  )

  // A large graph opens on where things happen (the steps that run, wait or failed), readable, instead of
  // squeezed whole into the view; decided once, when the layout arrives.
  const initialView = useMemo(() => {
    if (layout === null || graph.nodes.length <= LARGE_GRAPH) return { padding: 0.12, minZoom: 0.5, maxZoom: 1.1 }
    const active = graph.order.filter((id) => ACTIVE.has(steps?.[id]?.status ?? ''))
    const focus = (active.length > 0 ? active : graph.order).slice(0, 12)
    return { nodes: focus.map((id) => ({ id })), padding: 0.4, minZoom: 0.5, maxZoom: 0.75 }
  }, [layout, graph])

  const onNodeClick: NodeMouseHandler<StepFlowNode> = (_event, node) =>
    onSelect?.(node.id === selected ? null : node.id)

  if (error !== null) return <div className="graph-message">The graph could not be laid out: {error}</div>
  if (layout === null)
    return (
      <div className="graph-message" data-testid="graph-loading">
        Laying out {graph.nodes.length} steps…
      </div>
    )
  const large = graph.nodes.length > LARGE_GRAPH
  return (
    <div
      className="graph"
      data-testid="workflow-graph"
      data-steps={graph.nodes.length}
      style={{ height: Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, layout.height + 120)) }}
    >
      <ReactFlow<StepFlowNode>
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        onNodeClick={onNodeClick}
        onPaneClick={() => onSelect?.(null)}
        nodesDraggable={false}
        nodesConnectable={false}
        edgesFocusable={false}
        fitView
        fitViewOptions={initialView}
        minZoom={0.05}
        maxZoom={2}
        onlyRenderVisibleElements={large}
        proOptions={{ hideAttribution: false }}
      >
        <Background gap={24} color="#e2e8f0" />
        <Controls showInteractive={false} />
        {large && (
          <MiniMap<StepFlowNode>
            pannable
            zoomable
            nodeColor={(n) => STATE_COLOURS[n.data.step?.status ?? 'static'] ?? '#94a3b8'}
          />
        )}
      </ReactFlow>
    </div>
  )
}
