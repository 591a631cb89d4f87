import {
  DefinitionError,
  isWorkflowPath,
  stepEdges,
  toMermaid,
  topologicalOrder,
  type InputSpec,
  type StepSpec,
  type Workflow,
} from '../definition/index.js'
import type { ApiGraph, ApiGraphNode, ApiInputSpec, ApiWorkflowDetail, ApiWorkflowSummary } from './api-types.js'

/** A workflow this server can start, with its source text when it has it. */
export interface CatalogEntry {
  readonly workflow: Workflow
  /** The YAML or JSON as written; null when unknown (a builder workflow, or registered without text). */
  readonly source: string | null
}

/**
 * The workflows `trellis serve` shows and starts: the ones given at startup and the ones registered through
 * `POST /api/workflows`. Each is also registered with the engine (which is what starts executions by name). Kept in
 * memory: a registration lasts as long as the process (executions keep their own definition snapshot).
 */
export class WorkflowCatalog {
  readonly #entries = new Map<string, CatalogEntry>()

  /** Adds or replaces a workflow; returns whether it was new. */
  set(entry: CatalogEntry): boolean {
    const isNew = !this.#entries.has(entry.workflow.name)
    this.#entries.set(entry.workflow.name, entry)
    return isNew
  }

  get(name: string): CatalogEntry | undefined {
    return this.#entries.get(name)
  }

  has(name: string): boolean {
    return this.#entries.has(name)
  }

  /** Every entry, sorted by name. */
  list(): CatalogEntry[] {
    return [...this.#entries.values()].sort((a, b) => (a.workflow.name < b.workflow.name ? -1 : 1))
  }
}

/** A workflow's list entry. */
export function toWorkflowSummary(workflow: Workflow): ApiWorkflowSummary {
  const inputs: Record<string, ApiInputSpec> = {}
  for (const [name, spec] of Object.entries(workflow.inputs)) inputs[name] = toApiInput(spec)
  return {
    name: workflow.name,
    description: workflow.description,
    inputs,
    step_count: Object.keys(workflow.steps).length,
    file: workflow.file,
  }
}

/** A workflow with its graph, mermaid rendering and source. */
export function toWorkflowDetail(workflow: Workflow, source: string | null): ApiWorkflowDetail {
  return {
    ...toWorkflowSummary(workflow),
    failure_policy: workflow.failurePolicy,
    timeout_ms: workflow.timeoutMs,
    outputs: workflow.outputs,
    graph: toApiGraph(workflow),
    mermaid: toMermaid(workflow),
    source,
  }
}

/** The step graph: every step as a node (file order), every dependency as an edge. */
export function toApiGraph(workflow: Workflow): ApiGraph {
  let order: string[]
  try {
    order = topologicalOrder(workflow)
  } catch {
    // A validated workflow has no cycle; a stored snapshot from an older version might: show it in file order.
    order = Object.keys(workflow.steps)
  }
  return {
    nodes: Object.values(workflow.steps).map(toGraphNode),
    edges: stepEdges(workflow).map((e) => ({ from: e.from, to: e.to, kind: e.kind })),
    order,
  }
}

function toGraphNode(step: StepSpec): ApiGraphNode {
  return {
    id: step.name,
    kind: step.kind,
    action: step.kind === 'action' ? step.action : null,
    workflow: step.kind === 'workflow' ? step.workflow : null,
    sleep: step.kind === 'sleep' ? step.sleep : null,
    signal: step.kind === 'wait' ? step.signal : null,
    reason: step.kind === 'pause' ? step.reason : null,
    when: step.when,
    for_each: step.forEach,
    concurrency: step.concurrency,
    max_attempts: step.retry.maxAttempts,
    timeout_ms: step.timeoutMs,
    wait_timeout_ms: step.kind === 'wait' ? step.waitTimeoutMs : null,
    needs: step.needs,
    needs_any: step.needsAny,
    line: step.loc?.line ?? null,
    column: step.loc?.column ?? null,
  }
}

function toApiInput(spec: InputSpec): ApiInputSpec {
  const base = { type: spec.type, required: spec.required, description: spec.description }
  return spec.default === undefined ? base : { ...base, default: spec.default }
}

/**
 * A definition registered over HTTP cannot name child workflows by file path: the server does not read files for
 * a request. Throws DefinitionError (422) with each such step, at its line.
 */
export function rejectFileChildren(workflow: Workflow): void {
  const problems = Object.values(workflow.steps).flatMap((step) =>
    step.kind === 'workflow' && isWorkflowPath(step.workflow)
      ? [
          {
            path: `steps.${step.name}.workflow`,
            message:
              `"${step.workflow}" names a file, which a definition sent over HTTP cannot use: register that ` +
              'workflow first (POST /api/workflows) and name it here by its name',
            loc: step.loc,
          },
        ]
      : [],
  )
  if (problems.length > 0) throw new DefinitionError(problems, `workflow "${workflow.name}"`)
}
