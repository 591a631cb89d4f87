import { ExpressionError } from './expression-error.js'
import { checkStringLength, type Frame } from './frame.js'
import { checkJsonSize } from './json-size.js'
import { describeValue } from './describe-value.js'

/**
 * A value as it appears inside text (workflow-format.md): `null` as empty text, strings as they are, numbers as
 * JavaScript prints them, `true`/`false`, lists and maps as compact JSON. `string(x)` gives the same text.
 *
 * @throws ExpressionError when a list or map is too large or too deeply nested to write as JSON.
 */
export function toText(value: unknown, frame: Frame, site: string): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (value === null) return ''
  if (typeof value === 'object') return jsonText(value, frame, site)
  throw new ExpressionError(`cannot turn ${describeValue(value)} into text (in ${site})`)
}

function jsonText(value: object, frame: Frame, site: string): string {
  checkJsonSize(value, frame, site)
  let text: string
  try {
    // Safe on plain data: JSON.stringify calls `toJSON` only when it is a function, and data holds no functions.
    text = JSON.stringify(value)
  } catch (error) {
    // The two ways plain data can fail: "Invalid string length" (past V8's string limit) and "Maximum call stack
    // size exceeded" (nested thousands of levels deep). Anything else is a bug and surfaces as it is.
    if (error instanceof RangeError) {
      throw new ExpressionError(`cannot write ${site} as text: the value is too large or too deeply nested`)
    }
    throw error
  }
  checkStringLength(text.length, site)
  return text
}
