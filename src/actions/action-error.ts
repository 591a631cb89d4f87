import type { ErrorInfo } from '../util/index.js'

/** Options of {@link ActionError}. */
export interface ActionErrorOptions {
  /** `false` fails the step at once, whatever its retry policy says. @default true */
  readonly retryable?: boolean
  /** The error this one reports, kept for logs. */
  readonly cause?: unknown
}

/**
 * An error an action throws on purpose: its `code` becomes the step error's code, `retryable: false` stops retries.
 * Any thrown value with these properties works the same (the engine never uses `instanceof`).
 *
 * @example
 * throw new ActionError('CARD_DECLINED', `card ${last4} was declined`, { retryable: false })
 */
export class ActionError extends Error {
  readonly code: string
  readonly retryable: boolean

  constructor(code: string, message: string, options: ActionErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'ActionError'
    this.code = code
    this.retryable = options.retryable ?? true
  }
}

/** How an attempt failed, as the engine records it. */
export interface ActionFailure extends ErrorInfo {
  /** `false` when the step must fail without further attempts. */
  readonly retryable: boolean
}

/**
 * Reads a thrown value the way the engine does: `code` (a non-empty string, else `ACTION_FAILED`), `message` (else the
 * value as text) and `retryable` (false only when the property is exactly `false`). Never uses `instanceof`, so errors
 * from modules that bundle their own copy of Trellis (or throw plain objects) work.
 */
export function actionFailureOf(thrown: unknown): ActionFailure {
  if (thrown === null || typeof thrown !== 'object')
    return { code: 'ACTION_FAILED', message: String(thrown), retryable: true }
  const { code, message, retryable } = thrown as { code?: unknown; message?: unknown; retryable?: unknown }
  return {
    code: typeof code === 'string' && code !== '' ? code : 'ACTION_FAILED',
    // `throw { code: 'X' }` would otherwise read "[object Object]"; an empty message says nothing either.
    message: typeof message === 'string' && message !== '' ? message : describe(thrown),
    retryable: retryable !== false,
  }
}

function describe(thrown: object): string {
  let text: string | undefined
  try {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- "Error" for `new Error()`, or a custom toString
    text = String(thrown)
  } catch {
    text = undefined // an object without a prototype
  }
  if (text !== undefined && text !== '[object Object]') return text
  try {
    return JSON.stringify(thrown) ?? text ?? 'a thrown value that cannot be shown'
  } catch {
    return text ?? 'a thrown value that cannot be shown'
  }
}
