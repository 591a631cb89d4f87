import { ExpressionError } from './expression-error.js'
import { chargeWork, MAX_STRING_LENGTH, type Frame } from './frame.js'
import { isList } from './plain-data.js'

/**
 * Checks, before anything is serialized, that a value's JSON text stays within {@link MAX_STRING_LENGTH}. A small
 * expression can build a huge value out of references (`l.map(x, inputs.text)` over a long list repeats one 10 MB
 * string a million times): cheap to build, but `JSON.stringify` of it would exhaust the heap and kill the process
 * instead of throwing. The walk adds up a lower bound of the text length (strings and keys plus punctuation),
 * stops as soon as it passes the limit, and counts one unit of work per element. Iterative, so depth is no issue.
 *
 * @throws ExpressionError when the value would be longer than the limit as JSON.
 */
export function checkJsonSize(value: unknown, frame: Frame, site: string): void {
  let size = 0
  const pending: unknown[] = [value]
  while (pending.length > 0) {
    const v = pending.pop()
    if (typeof v === 'string') {
      size += v.length + 2
    } else if (typeof v !== 'object' || v === null) {
      size += 1
    } else if (isList(v)) {
      chargeWork(frame, v.length)
      size += v.length + 1
      for (let i = 0; i < v.length; i++) pending.push(v[i])
    } else {
      const keys = Object.keys(v)
      chargeWork(frame, keys.length)
      size += keys.length + 1
      for (const key of keys) {
        size += key.length + 3
        pending.push((v as Readonly<Record<string, unknown>>)[key])
      }
    }
    if (size > MAX_STRING_LENGTH) {
      throw new ExpressionError(
        `the value would be longer than ${MAX_STRING_LENGTH.toLocaleString('en-US')} characters as JSON (in ${site})`,
      )
    }
  }
}
