/**
 * engine: the execution state model, the pure `decide()` core, the runner that commits decisions and carries
 * out their commands, and the `Engine` facade. Imports the store contract only, never an implementation.
 */
export { Engine, isGoneHere, type EngineOptions, type ExecutionHandle, type StartOptions } from './engine.js'
export { decide, type AttemptOutcome, type Command, type Decision, type DecisionInput } from './decide.js'
export { ExecutionState } from './state.js'
export { retryDelayMs } from './retry-delay.js'
export { type RetentionOptions } from './retention.js'
export { toExecutionView, type Execution, type StepView, type IterationView } from './view.js'
export * from './wire.js'
export * from './errors.js'
export { SHUTDOWN, type AroundAttempt, type AttemptToRun } from './attempt-body.js'
