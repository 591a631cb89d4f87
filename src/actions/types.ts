import type { Logger } from '../util/index.js'

/** What an action gets besides its input: cancellation, attempt number, idempotency key, a bound logger. */
export interface ActionContext {
  /** Aborted on attempt timeout, cancel and shutdown; its `reason` says which (an error with a `code`). */
  readonly signal: AbortSignal
  /** The attempt number, from 1; it goes on across runs and crashes. */
  readonly attempt: number
  /** `${executionId}/${step}`, or `${executionId}/${step}/${index}` for an iteration: the same for every attempt. */
  readonly idempotencyKey: string
  readonly executionId: string
  readonly step: string
  /** The iteration's index in a `for_each` step, otherwise `null`. */
  readonly index: number | null
  /** Pino-style, already bound to execution, step and attempt. */
  readonly logger: Logger
}

/**
 * An action: a function of the step's rendered `with` and a context. Its return value (JSON; `undefined` is `null`)
 * becomes the step's output; a thrown error fails the attempt (see {@link actionFailureOf}).
 */
export type Action<I = unknown, O = unknown> = (input: I, ctx: ActionContext) => O | Promise<O>

/**
 * Any action, whatever its input type: what registries accept. (An `Action<{ cents: number }>` is not an `Action`,
 * whose input is `unknown`, because a function that needs `{ cents }` cannot take any input.)
 */
export type AnyAction = Action<never, unknown>
