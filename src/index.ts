/**
 * Trellis: the supported public surface. Re-exports only; every name here is part of the contract of
 * typescript-api.md. The test kit lives at `trellis/testing`.
 */
export {
  defineWorkflow,
  loadWorkflow,
  loadWorkflowFile,
  checkWorkflow,
  formatProblems,
  DefinitionError,
  InvalidInputError,
  WORKFLOW_ACTIONS,
  type Workflow,
  type StepSpec,
  type StepKind,
  type InputSpec,
  type RetryPolicy,
  type Problem,
  type LoadOptions,
  type WorkflowSource,
} from './definition/index.js'
export {
  defineAction,
  ActionError,
  ActionRegistry,
  createActionRegistry,
  loadActionModule,
  type Action,
  type ActionContext,
} from './actions/index.js'
export { EventBus, EVENT_TYPES, type TrellisEvent, type EventType, type EventDataMap } from './events/index.js'
export {
  Engine,
  IdConflictError,
  InvalidStateError,
  ExecutionNotFoundError,
  ResultTimeoutError,
  UnknownWorkflowError,
  type Execution,
  type StepView,
  type IterationView,
  type ExecutionHandle,
  type StartOptions,
  type EngineOptions,
} from './engine/index.js'
export type { Store, ExecutionStatus, StepStatus, ExecutionSummary, ExecutionFilter } from './store/index.js'
export { LeaseLostError, SchemaTooNewError, StoreUnavailableError } from './store/index.js'
export { createEngine, createWorker, type CreateEngineOptions } from './create-engine.js'
export { openStore } from './open-store.js'
export { TrellisError, systemClock, parseDuration, type Clock, type Logger, type ErrorCode } from './util/index.js'
export type { Worker } from './worker/index.js'
