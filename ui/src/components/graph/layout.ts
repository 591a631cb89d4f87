import ElkApi, { type ElkNode } from 'elkjs/lib/elk-api.js'
import elkWorkerUrl from 'elkjs/lib/elk-worker.min.js?url'
import type { ApiGraph } from '../../api/types.js'

export const NODE_WIDTH = 208
export const NODE_HEIGHT = 64

/** Where each step's node sits, and the size of the whole drawing. */
export interface GraphLayout {
  readonly positions: ReadonlyMap<string, { readonly x: number; readonly y: number }>
  readonly width: number
  readonly height: number
}

let elk: InstanceType<typeof ElkApi> | null = null
const layouts = new Map<string, Promise<GraphLayout>>()

/** A key that changes only when the shape of the graph does. */
export function graphKey(graph: ApiGraph): string {
  return JSON.stringify([graph.nodes.map((n) => n.id), graph.edges.map((e) => [e.from, e.to])])
}

/**
 * Lays the graph out left to right with ELK's layered algorithm, in a web worker so a few hundred steps never
 * block the page. Computed once per graph shape and kept for the session.
 */
export function layoutGraph(graph: ApiGraph): Promise<GraphLayout> {
  const key = graphKey(graph)
  let layout = layouts.get(key)
  if (layout === undefined) {
    layout = computeLayout(graph)
    layouts.set(key, layout)
    layout.catch(() => layouts.delete(key))
  }
  return layout
}

/** Starts the layout worker (it loads and compiles a large script), so the first layout does not wait for it. */
export function warmUpLayout(): void {
  layoutEngine()
}

function layoutEngine(): InstanceType<typeof ElkApi> {
  return (elk ??= new ElkApi({ workerUrl: elkWorkerUrl }))
}

async function computeLayout(graph: ApiGraph): Promise<GraphLayout> {
  warmUpLayout()
  elk ??= new ElkApi({ workerUrl: elkWorkerUrl })
  const ids = new Set(graph.nodes.map((n) => n.id))
  const seen = new Set<string>()
  const edges = graph.edges.filter((e) => {
    const id = `${e.from}\u0000${e.to}`
    if (!ids.has(e.from) || !ids.has(e.to) || e.from === e.to || seen.has(id)) return false
    seen.add(id)
    return true
  })
  const large = graph.nodes.length > 100
  const root: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.spacing.nodeNode': '28',
      'elk.layered.spacing.nodeNodeBetweenLayers': '64',
      // React Flow draws the edges, so ELK's cheapest routing will do; orthogonal routing alone costs seconds
      // on a few hundred steps.
      'elk.edgeRouting': 'POLYLINE',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      'elk.separateConnectedComponents': 'true',
      ...(large
        ? { 'elk.layered.thoroughness': '1' }
        : { 'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES' }),
    },
    children: graph.nodes.map((n) => ({ id: n.id, width: NODE_WIDTH, height: NODE_HEIGHT })),
    edges: edges.map((e, i) => ({ id: `e${i}`, sources: [e.from], targets: [e.to] })),
  }
  const result = await layoutEngine().layout(root)
  const positions = new Map<string, { x: number; y: number }>()
  for (const child of result.children ?? []) positions.set(child.id, { x: child.x ?? 0, y: child.y ?? 0 })
  return { positions, width: result.width ?? 0, height: result.height ?? 0 }
}
