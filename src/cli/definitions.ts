import type { ActionRegistry } from '../actions/index.js'
import type { Workflow } from '../definition/index.js'

// The definition module (YAML, zod, the expression language) is loaded when a command needs it, so that
// `--help`, `--version` and commands that only read the store start fast.

/**
 * Loads and validates a workflow file (and the child workflow files it names). With a registry, an action it does
 * not hold is a problem; without one, actions are not checked (`graph` draws a workflow whose actions live in
 * modules it was not given).
 *
 * @throws DefinitionError with every problem, each with its file:line:column.
 */
export async function loadDefinition(file: string, actions: ActionRegistry | null): Promise<Workflow> {
  const { loadWorkflowFile } = await import('../definition/index.js')
  return await loadWorkflowFile(file, actions === null ? {} : { isKnownAction: (name: string) => actions.has(name) })
}

/**
 * Checks inputs against the workflow's declared inputs before anything is opened, so bad inputs create nothing.
 * @throws InvalidInputError naming the input.
 */
export async function checkInputs(workflow: Workflow, inputs: Record<string, unknown>): Promise<void> {
  const { resolveInputs } = await import('../definition/index.js')
  resolveInputs(workflow, inputs)
}

/** The step graph in mermaid or Graphviz dot. */
export async function renderGraph(workflow: Workflow, format: 'mermaid' | 'dot'): Promise<string> {
  const { toDot, toMermaid } = await import('../definition/index.js')
  return format === 'dot' ? toDot(workflow) : toMermaid(workflow)
}
