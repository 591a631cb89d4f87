import { assertNever } from '../util/index.js'
import type { StepSpec, TransitionKey, Workflow } from './model.js'
import { DefinitionError } from './problems.js'

/**
 * The step graph: edges from `needs`, `needs_any` and transitions, cycles, a stable topological order, the
 * dependents the engine re-checks when a step ends, and mermaid/dot renderings for `trellis graph`.
 */

/** How one step's readiness depends on another. */
export type EdgeKind = 'needs' | 'needs_any' | TransitionKey

/** An edge of the step graph: `to` depends on `from` (in `needs` terms, `from` runs first). */
export interface StepEdge {
  readonly from: string
  readonly to: string
  readonly kind: EdgeKind
}

const TRANSITIONS = [
  ['on_success', 'onSuccess'],
  ['on_failure', 'onFailure'],
  ['on_complete', 'onComplete'],
  ['on_timeout', 'onTimeout'],
] as const satisfies readonly (readonly [TransitionKey, keyof StepSpec])[]

/** Every edge of a workflow's step graph, in file order of the step that names it. */
export function stepEdges(workflow: Pick<Workflow, 'steps'>): StepEdge[] {
  const edges: StepEdge[] = []
  for (const step of Object.values(workflow.steps)) {
    for (const from of step.needs) edges.push({ from, to: step.name, kind: 'needs' })
    for (const from of step.needsAny) edges.push({ from, to: step.name, kind: 'needs_any' })
    for (const [kind, field] of TRANSITIONS) {
      for (const to of step[field]) edges.push({ from: step.name, to, kind })
    }
  }
  return edges
}

/**
 * Every cycle of a graph, one per group of steps that reach each other, each named as a path from its step
 * that comes first in `names` back to it (`['pack', 'approve', 'pack']`; a self-reference is `['a', 'a']`).
 * Iterative, so a long chain of steps cannot overflow the stack.
 */
export function findCycles(names: readonly string[], edges: readonly StepEdge[]): string[][] {
  const order = new Map(names.map((name, i) => [name, i]))
  const next = new Map<string, string[]>(names.map((name) => [name, []]))
  for (const edge of edges) {
    const list = next.get(edge.from)
    if (list !== undefined && order.has(edge.to) && !list.includes(edge.to)) list.push(edge.to)
  }
  const groups = stronglyConnected(names, next)
  const cycles: string[][] = []
  for (const group of groups) {
    const members = new Set(group)
    const start = [...group].sort((a, b) => order.get(a)! - order.get(b)!)[0]!
    const selfLoop = next.get(start)!.includes(start)
    if (group.length === 1 && !selfLoop) continue
    cycles.push(selfLoop ? [start, start] : shortestLoop(start, members, next))
  }
  return cycles.sort((a, b) => order.get(a[0]!)! - order.get(b[0]!)!)
}

/** Tarjan's strongly connected components, with an explicit stack. */
function stronglyConnected(names: readonly string[], next: ReadonlyMap<string, string[]>): string[][] {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const onStack = new Set<string>()
  const stack: string[] = []
  const groups: string[][] = []
  let counter = 0
  const visit = (node: string): void => {
    index.set(node, counter)
    low.set(node, counter)
    counter++
    stack.push(node)
    onStack.add(node)
  }
  for (const root of names) {
    if (index.has(root)) continue
    visit(root)
    const work: { node: string; i: number }[] = [{ node: root, i: 0 }]
    while (work.length > 0) {
      const frame = work[work.length - 1]!
      const successors = next.get(frame.node) ?? []
      if (frame.i < successors.length) {
        const successor = successors[frame.i++]!
        if (!index.has(successor)) {
          visit(successor)
          work.push({ node: successor, i: 0 })
        } else if (onStack.has(successor)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(successor)!))
        }
        continue
      }
      work.pop()
      const parent = work[work.length - 1]
      if (parent !== undefined) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!))
      if (low.get(frame.node) === index.get(frame.node)) {
        const group: string[] = []
        let member: string
        do {
          member = stack.pop()!
          onStack.delete(member)
          group.push(member)
        } while (member !== frame.node)
        groups.push(group)
      }
    }
  }
  return groups
}

/** The shortest path from `start` back to itself inside one strongly connected group. */
function shortestLoop(start: string, members: ReadonlySet<string>, next: ReadonlyMap<string, string[]>): string[] {
  const previous = new Map<string, string>()
  const queue = [start]
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head]!
    for (const successor of next.get(node) ?? []) {
      if (!members.has(successor)) continue
      if (successor === start) {
        const path = [start]
        for (let at: string | undefined = node; at !== undefined && at !== start; at = previous.get(at)) path.push(at)
        path.push(start)
        return [path[0]!, ...path.slice(1, -1).reverse(), start]
      }
      if (!previous.has(successor)) {
        previous.set(successor, node)
        queue.push(successor)
      }
    }
  }
  return [start, start]
}

/** The first cycle of a workflow's step graph (`['a', 'b', 'a']`), or null when it is acyclic. */
export function findCycle(workflow: Pick<Workflow, 'steps'>): string[] | null {
  return findCycles(Object.keys(workflow.steps), stepEdges(workflow))[0] ?? null
}

/**
 * The steps in an order where every step comes after all steps it depends on; among steps that could come
 * next, the one written first. Throws {@link DefinitionError} when the graph has a cycle (a validated workflow
 * never has one).
 */
export function topologicalOrder(workflow: Pick<Workflow, 'steps'>): string[] {
  const names = Object.keys(workflow.steps)
  const position = new Map(names.map((name, i) => [name, i]))
  const dependents = stepDependents(workflow)
  const waiting = new Map(names.map((name) => [name, 0]))
  for (const list of dependents.values()) for (const to of list) waiting.set(to, waiting.get(to)! + 1)
  // Ready steps by file position, smallest first.
  const ready = new MinHeap()
  for (const name of names) if (waiting.get(name) === 0) ready.push(position.get(name)!)
  const order: string[] = []
  for (let next = ready.pop(); next !== undefined; next = ready.pop()) {
    const name = names[next]!
    order.push(name)
    for (const to of dependents.get(name) ?? []) {
      const left = waiting.get(to)! - 1
      waiting.set(to, left)
      if (left === 0) ready.push(position.get(to)!)
    }
  }
  if (order.length < names.length) {
    const cycle = findCycle(workflow) ?? []
    throw new DefinitionError([{ path: 'steps', message: `cycle ${cycle.join(' -> ')}`, loc: null }])
  }
  return order
}

/** A binary min-heap of numbers. */
class MinHeap {
  readonly #items: number[] = []

  push(value: number): void {
    const items = this.#items
    items.push(value)
    for (let i = items.length - 1; i > 0;) {
      const parent = (i - 1) >> 1
      if (items[parent]! <= value) break
      items[i] = items[parent]!
      items[parent] = value
      i = parent
    }
  }

  pop(): number | undefined {
    const items = this.#items
    const top = items[0]
    const last = items.pop()
    if (top === undefined || last === undefined || items.length === 0) return top
    items[0] = last
    for (let i = 0; ;) {
      const left = 2 * i + 1
      const right = left + 1
      let smallest = i
      if (left < items.length && items[left]! < items[smallest]!) smallest = left
      if (right < items.length && items[right]! < items[smallest]!) smallest = right
      if (smallest === i) break
      ;[items[i], items[smallest]] = [items[smallest]!, items[i]!]
      i = smallest
    }
    return top
  }
}

/**
 * For each step (in file order), the steps whose readiness depends on it: those naming it in `needs` or
 * `needs_any`, and those its transitions name. When a step ends, these are the only steps that can become
 * ready or skipped because of it.
 */
export function stepDependents(workflow: Pick<Workflow, 'steps'>): Map<string, string[]> {
  const names = Object.keys(workflow.steps)
  const position = new Map(names.map((name, i) => [name, i]))
  const dependents = new Map<string, string[]>(names.map((name) => [name, []]))
  for (const edge of stepEdges(workflow)) {
    const list = dependents.get(edge.from)
    if (list !== undefined && position.has(edge.to) && !list.includes(edge.to)) list.push(edge.to)
  }
  for (const list of dependents.values()) list.sort((a, b) => position.get(a)! - position.get(b)!)
  return dependents
}

/** A short description of what a step does, for graph labels: `action core.echo`, `sleep 5m`. */
export function describeStepKind(step: StepSpec): string {
  const each = step.forEach !== null ? ' (for each)' : ''
  switch (step.kind) {
    case 'action':
      return `action ${step.action}${each}`
    case 'workflow':
      return `workflow ${step.workflow}${each}`
    case 'sleep':
      return `sleep ${String(step.sleep)}`
    case 'wait':
      return `wait ${step.signal}`
    case 'pause':
      return 'pause'
    default:
      return assertNever(step, 'step kind')
  }
}

/**
 * The step graph as a mermaid flowchart: nodes labelled with name and kind; `needs` solid arrows, `needs_any`
 * dashed arrows, transitions arrows labelled with their key (`on_failure`).
 */
export function toMermaid(workflow: Pick<Workflow, 'steps'>): string {
  const ids = new Map(Object.keys(workflow.steps).map((name, i) => [name, `s${i}`]))
  const label = (text: string): string => text.replace(/&/g, '#amp;').replace(/"/g, '#quot;').replace(/</g, '#lt;')
  const lines = ['flowchart TD']
  for (const step of Object.values(workflow.steps)) {
    lines.push(`  ${ids.get(step.name)!}["${label(step.name)}<br/>${label(describeStepKind(step))}"]`)
  }
  for (const edge of stepEdges(workflow)) {
    const from = ids.get(edge.from)
    const to = ids.get(edge.to)
    if (from === undefined || to === undefined) continue
    if (edge.kind === 'needs') lines.push(`  ${from} --> ${to}`)
    else if (edge.kind === 'needs_any') lines.push(`  ${from} -.->|needs_any| ${to}`)
    else lines.push(`  ${from} -->|${edge.kind}| ${to}`)
  }
  return `${lines.join('\n')}\n`
}

/**
 * The step graph in Graphviz dot: nodes labelled with name and kind; `needs` solid edges, `needs_any` dashed
 * edges, transitions edges labelled with their key.
 */
export function toDot(workflow: Pick<Workflow, 'steps'> & { readonly name?: string }): string {
  const quote = (text: string): string => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`
  const lines = [`digraph ${quote(workflow.name ?? 'workflow')} {`, '  rankdir=TB;', '  node [shape=box];']
  for (const step of Object.values(workflow.steps)) {
    lines.push(`  ${quote(step.name)} [label=${quote(`${step.name}\n${describeStepKind(step)}`)}];`)
  }
  for (const edge of stepEdges(workflow)) {
    if (!Object.hasOwn(workflow.steps, edge.from) || !Object.hasOwn(workflow.steps, edge.to)) continue
    const attributes =
      edge.kind === 'needs'
        ? ''
        : edge.kind === 'needs_any'
          ? ' [style=dashed, label="needs_any"]'
          : ` [label="${edge.kind}"]`
    lines.push(`  ${quote(edge.from)} -> ${quote(edge.to)}${attributes};`)
  }
  lines.push('}')
  return `${lines.join('\n')}\n`
}
