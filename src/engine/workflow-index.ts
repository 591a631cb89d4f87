import type { StepSpec, TransitionKey, Workflow } from '../definition/index.js'

/** A transition from `source` that names a step. */
export interface IncomingTransition {
  readonly source: string
  readonly key: TransitionKey
}

/** Per-step graph facts, computed once per workflow, so readiness is updated from the step that changed. */
export interface StepIndex {
  readonly spec: StepSpec
  /** Position in the file, for stable ordering. */
  readonly order: number
  readonly incoming: readonly IncomingTransition[]
  /** Steps whose readiness depends on this one (needs, needs_any, or a transition of this step names them). */
  readonly dependents: readonly string[]
  /** Steps that list this one in `needs`, once per listing: their unmet-needs counters follow this step's status. */
  readonly neededBy: readonly string[]
  /** True when the step has no incoming edge: ready when the execution starts. */
  readonly isRoot: boolean
}

/** The graph facts of a workflow. */
export interface WorkflowIndex {
  readonly workflow: Workflow
  readonly steps: ReadonlyMap<string, StepIndex>
  readonly roots: readonly string[]
}

const TRANSITIONS: readonly [TransitionKey, (s: StepSpec) => readonly string[]][] = [
  ['on_success', (s) => s.onSuccess],
  ['on_failure', (s) => s.onFailure],
  ['on_complete', (s) => s.onComplete],
  ['on_timeout', (s) => s.onTimeout],
]

const cache = new WeakMap<Workflow, WorkflowIndex>()

/** Builds (once per workflow object) the index the scheduler uses. */
export function indexWorkflow(workflow: Workflow): WorkflowIndex {
  const cached = cache.get(workflow)
  if (cached !== undefined) return cached
  const incoming = new Map<string, IncomingTransition[]>()
  const dependents = new Map<string, Set<string>>()
  const neededBy = new Map<string, string[]>()
  const names = Object.keys(workflow.steps)
  for (const name of names) {
    incoming.set(name, [])
    dependents.set(name, new Set())
    neededBy.set(name, [])
  }
  for (const [name, spec] of Object.entries(workflow.steps)) {
    for (const dep of spec.needs) neededBy.get(dep)?.push(name)
    for (const dep of [...spec.needs, ...spec.needsAny]) dependents.get(dep)?.add(name)
    for (const [key, targetsOf] of TRANSITIONS) {
      for (const target of targetsOf(spec)) {
        incoming.get(target)?.push({ source: name, key })
        dependents.get(name)?.add(target)
      }
    }
  }
  const steps = new Map<string, StepIndex>()
  const roots: string[] = []
  names.forEach((name, order) => {
    const spec = workflow.steps[name]!
    const inc = incoming.get(name) ?? []
    const isRoot = spec.needs.length === 0 && spec.needsAny.length === 0 && inc.length === 0
    if (isRoot) roots.push(name)
    steps.set(name, {
      spec,
      order,
      incoming: inc,
      dependents: [...(dependents.get(name) ?? [])],
      neededBy: neededBy.get(name) ?? [],
      isRoot,
    })
  })
  const index = { workflow, steps, roots }
  cache.set(workflow, index)
  return index
}
