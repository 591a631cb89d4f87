import { isReservedActionName, isValidActionName } from './action-name.js'
import { ActionRegistrationError } from './errors.js'
import type { Action, ActionContext } from './types.js'

/**
 * An action that carries its name. The workflow builder and the module loader recognise it by the `actionName`
 * property alone (duck typing), so one made by another copy of Trellis works too.
 */
export type NamedAction<N extends string = string, I = unknown, O = unknown> = Action<I, O> & {
  readonly actionName: N
}

/**
 * Gives an action a name; registering the result (directly, through a builder step, or by exporting it from an
 * `--actions` module) registers it under that name. Input and output types flow from `fn`.
 *
 * Returns a new function that calls `fn`; `fn` itself is not changed, so it may be named more than once.
 *
 * @throws ActionRegistrationError when the name does not match {@link ACTION_NAME_PATTERN} or is reserved for a
 *   built-in action (`core`, `core.*`, `shell`, `http`).
 *
 * @example
 * export const charge = defineAction('billing.charge', async (input: { cents: number }, ctx) => {
 *   return { receipt: await payments.charge(input.cents, { idempotencyKey: ctx.idempotencyKey }) }
 * })
 */
export function defineAction<N extends string, I, O>(
  name: N,
  fn: (input: I, ctx: ActionContext) => O | Promise<O>,
): NamedAction<N, I, O> {
  const origin = `defineAction(${JSON.stringify(name)})`
  if (typeof name !== 'string' || !isValidActionName(name)) {
    throw new ActionRegistrationError({ problem: 'invalid-name', actionName: String(name), origin })
  }
  if (isReservedActionName(name)) throw new ActionRegistrationError({ problem: 'reserved', actionName: name, origin })
  if (typeof fn !== 'function') {
    throw new ActionRegistrationError({ problem: 'not-a-function', actionName: name, origin, got: typeof fn })
  }
  const action = (input: I, ctx: ActionContext): O | Promise<O> => fn(input, ctx)
  Object.defineProperty(action, 'name', { value: name }) // stack traces show the action's name
  Object.defineProperty(action, 'actionName', { value: name, enumerable: true })
  return action as NamedAction<N, I, O>
}

/** The name given by {@link defineAction} (read by duck typing), or `undefined` for anything else. */
export function actionNameOf(value: unknown): string | undefined {
  if (typeof value !== 'function') return undefined
  const name = (value as { actionName?: unknown }).actionName
  return typeof name === 'string' ? name : undefined
}
