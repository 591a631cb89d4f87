import { parseDuration } from '../../util/index.js'
import { ActionError } from '../action-error.js'

/** A built-in's `with` cannot work: code `INVALID_INPUT`, never retried (the next attempt would get the same input). */
export function invalidInput(action: string, message: string): ActionError {
  return new ActionError('INVALID_INPUT', `${action}: ${message}`, { retryable: false })
}

/**
 * Reads a built-in's `with` as an object with only the `known` keys (`null`/absent is `{}`), so a typo such as
 * `comand` is an error instead of a silent default.
 */
export function readWith(action: string, input: unknown, known: readonly string[]): Record<string, unknown> {
  if (input === undefined || input === null) return {}
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw invalidInput(action, `"with" must be an object with ${listKeys(known)}; got ${describeValue(input)}`)
  }
  const record = input as Record<string, unknown>
  for (const key of Object.keys(record)) {
    if (!known.includes(key)) throw invalidInput(action, `unknown key "${key}" in "with" (it takes ${listKeys(known)})`)
  }
  return record
}

function listKeys(keys: readonly string[]): string {
  return keys.length === 0 ? 'no keys' : keys.map((k) => `"${k}"`).join(', ')
}

/** `with[key]` as a string, or `undefined` when absent or null. */
export function optionalString(action: string, record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw invalidInput(action, `"${key}" must be a string; got ${describeValue(value)}`)
  return value
}

/** `with[key]` as a boolean, or `undefined` when absent or null. */
export function optionalBoolean(action: string, record: Record<string, unknown>, key: string): boolean | undefined {
  const value = record[key]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'boolean')
    throw invalidInput(action, `"${key}" must be true or false; got ${describeValue(value)}`)
  return value
}

/** `with[key]` as a duration in milliseconds (`250ms`, `30s`, `1h30m`, or a number of seconds), or `undefined`. */
export function optionalDurationMs(action: string, record: Record<string, unknown>, key: string): number | undefined {
  const value = record[key]
  if (value === undefined || value === null) return undefined
  const ms = parseDuration(value)
  if (ms === undefined) {
    throw invalidInput(
      action,
      `"${key}" must be a duration like 250ms, 30s, 5m or 1h30m, or a number of seconds; got ${describeValue(value)}`,
    )
  }
  return ms
}

/** A value as a short quoted text for messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing'
  let text: string
  try {
    // JSON.stringify gives undefined for functions and symbols, which never come from a rendered `with`
    text = JSON.stringify(value) ?? typeof value
  } catch {
    text = Array.isArray(value) ? 'an array with a cycle' : 'an object with a cycle'
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}
