/**
 * definition: the workflow model (`Workflow`, the `StepSpec` union), the YAML/JSON loader with source locations,
 * the TypeScript builder, the one validator both go through (collecting every `Problem` at once), graph utilities
 * (topological order, cycles, mermaid/dot, dependents) and input resolution.
 *
 * May import only `../util/index.js`, `../expressions/index.js` and the packages `yaml` and `zod`. Never
 * `actions` (a builder step given a function records it under `WORKFLOW_ACTIONS` instead), `engine`, `store`,
 * or anything else above it.
 */
export * from './model.js'
export { DefinitionError, formatProblems, InvalidInputError, type Problem } from './problems.js'
export { checkWorkflow, loadWorkflow, loadWorkflowFile, type LoadOptions, type WorkflowSource } from './load.js'
export { validateDefinition, type ValidateOptions, type Validation } from './validate.js'
export { defineWorkflow, WORKFLOW_ACTIONS, workflowActions } from './builder.js'
export type {
  ActionFunction,
  DefinedWorkflow,
  Duration,
  InputDeclaration,
  InputValues,
  JsonLiteral,
  RetryOptions,
  RunStepOptions,
  StepHandle,
  StepOptions,
  StepOutput,
  WaitOptions,
  WorkflowBuilder,
  WorkflowInputs,
  WorkflowOptions,
} from './builder-types.js'
export {
  describeStepKind,
  findCycle,
  findCycles,
  stepDependents,
  stepEdges,
  toDot,
  toMermaid,
  topologicalOrder,
  type EdgeKind,
  type StepEdge,
} from './graph.js'
export { resolveInputs } from './inputs.js'
export { isWorkflowPath } from './validate-step.js'
export { workflowJsonSchema } from './json-schema.js'
