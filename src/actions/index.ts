/**
 * actions: the action contract (`Action`, `ActionContext`, `ActionError`, `actionFailureOf`), naming
 * (`defineAction`), the `ActionRegistry` and its rules (valid, unreserved, unique names), loading `--actions`
 * modules, and the built-in actions `core.noop`, `core.echo`, `core.fail`, `core.sleep`, `shell` and `http`.
 *
 * Imports only `util` (and, lazily, the `tsx` package to load TypeScript action modules); never `definition`,
 * `engine` or `store`. It knows nothing of workflows, executions or stores: the engine calls an action with a
 * context and reads what it returned or threw (`actionFailureOf`).
 */
export type { Action, ActionContext, AnyAction } from './types.js'
export { ActionError, actionFailureOf, type ActionErrorOptions, type ActionFailure } from './action-error.js'
export {
  ACTION_NAME_PATTERN,
  BUILT_IN_ACTION_NAMES,
  isReservedActionName,
  isValidActionName,
  type BuiltInActionName,
} from './action-name.js'
export { defineAction, actionNameOf, type NamedAction } from './define-action.js'
export {
  ActionRegistry,
  BUILT_IN_ORIGIN,
  createActionRegistry,
  type ActionRegistration,
  type ActionRegistryOptions,
} from './registry.js'
export {
  ActionModuleError,
  ActionNotFoundError,
  ActionRegistrationError,
  type ActionRegistrationErrorOptions,
  type ActionRegistrationProblem,
} from './errors.js'
export { loadActionModule } from './load-module.js'
export type { ShellOutput } from './builtins/shell.js'
export type { HttpOutput } from './builtins/http.js'
