import type { Clock } from '../../util/index.js'
import { ActionError } from '../action-error.js'
import type { Action } from '../types.js'
import { abortError } from './abort.js'
import { invalidInput, optionalBoolean, optionalDurationMs, optionalString, readWith, describeValue } from './input.js'

/** `core.noop`: does nothing and returns `null`. Its `with`, if any, is ignored (it is a placeholder). */
export const noop: Action = () => null

/** `core.echo`: returns `with.value` (`null` when absent). */
export const echo: Action = (input) => {
  const record = readWith('core.echo', input, ['value'])
  return record['value'] ?? null
}

/**
 * `core.fail`: fails with `message` (default `failed on purpose`) and `code` (default `ACTION_FAILED`). With
 * `attempts: N` only attempts 1..N fail and later ones return `{ attempt }`; `retryable: false` (default true) makes
 * the error non-retryable.
 */
export const fail: Action = (input, ctx) => {
  const record = readWith('core.fail', input, ['message', 'code', 'attempts', 'retryable'])
  const message = optionalString('core.fail', record, 'message') ?? 'failed on purpose'
  const code = optionalString('core.fail', record, 'code') ?? 'ACTION_FAILED'
  if (code === '') throw invalidInput('core.fail', '"code" must not be empty')
  const retryable = optionalBoolean('core.fail', record, 'retryable') ?? true
  const attempts = record['attempts'] ?? null
  if (attempts !== null && !(typeof attempts === 'number' && Number.isInteger(attempts) && attempts >= 0)) {
    throw invalidInput('core.fail', `"attempts" must be a whole number >= 0; got ${describeValue(attempts)}`)
  }
  if (attempts !== null && ctx.attempt > attempts) return { attempt: ctx.attempt }
  throw new ActionError(code, message, { retryable })
}

/**
 * `core.sleep`: waits `duration` (a duration or a number of seconds) in this process, then returns `null`. Not
 * durable (a `sleep` step is); stops at once when the attempt is aborted.
 */
export function sleep(clock: Clock): Action {
  return async (input, ctx) => {
    const record = readWith('core.sleep', input, ['duration'])
    const ms = optionalDurationMs('core.sleep', record, 'duration')
    if (ms === undefined) throw invalidInput('core.sleep', '"duration" is required (e.g. 250ms, 30s or 5)')
    if (ctx.signal.aborted) throw abortError(ctx.signal)
    try {
      await clock.sleep(ms, ctx.signal)
    } catch (error) {
      if (ctx.signal.aborted) throw abortError(ctx.signal)
      throw error
    }
    return null
  }
}
