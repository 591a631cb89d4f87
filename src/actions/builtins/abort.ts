import { ActionError } from '../action-error.js'

/**
 * The error to fail with when `signal` aborts: its reason when that carries a string `code` (the engine aborts with
 * `TIMEOUT` or `CANCELLED` errors), otherwise an error with code `CANCELLED` that keeps the reason as `cause`.
 */
export function abortError(signal: AbortSignal): unknown {
  const reason: unknown = signal.reason
  if (reason !== null && typeof reason === 'object' && typeof (reason as { code?: unknown }).code === 'string') {
    return reason
  }
  const why = reason instanceof Error && reason.message !== '' ? `: ${reason.message}` : ''
  return new ActionError('CANCELLED', `The attempt was cancelled${why}`, { cause: reason })
}
