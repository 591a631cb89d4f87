import { ExpressionError } from './expression-error.js'
import { chargeWork, checkStringLength, WORK_LIMIT, type Frame } from './frame.js'
import { describeValue } from './describe-value.js'
import { isList, isMap } from './plain-data.js'
import { toText } from './text.js'

/**
 * The functions an expression can call: `size(x)`, conversions, and CEL's string and list methods. This is the
 * complete list; a name that is not here is a definition problem ("unknown function"), so nothing else (no host
 * function, no prototype method) can ever be called. Tables are Maps, so a name like `constructor` finds nothing.
 * Positions in strings count Unicode code points, as CEL does, so `size("é")` is 1.
 */

/** A global function: `size(x)`. `args` are already evaluated. */
export type FunctionImpl = (args: readonly unknown[], frame: Frame, site: string) => unknown
/** A method: `x.size()`. */
export type MethodImpl = (self: unknown, args: readonly unknown[], frame: Frame, site: string) => unknown

/** A function or method with the argument counts it accepts. */
export interface Callable<T> {
  readonly arities: readonly number[]
  readonly impl: T
}

/** Global functions by name. `has()` is a macro, handled by the compiler. */
export const FUNCTIONS: ReadonlyMap<string, Callable<FunctionImpl>> = new Map<string, Callable<FunctionImpl>>([
  ['size', { arities: [1], impl: ([x], frame, site) => sizeOf(x, frame, site) }],
  ['string', { arities: [1], impl: ([x], frame, site) => toText(x, frame, site) }],
  ['int', { arities: [1], impl: ([x], _frame, site) => toInt(x, site) }],
  ['double', { arities: [1], impl: ([x], _frame, site) => toDouble(x, site) }],
  ['bool', { arities: [1], impl: ([x], _frame, site) => toBool(x, site) }],
  ['dyn', { arities: [1], impl: ([x]) => x }],
])

/** Methods by name. The macros (`all`, `exists`, `map`, …) are handled by the compiler, which refuses `matches()`. */
export const METHODS: ReadonlyMap<string, Callable<MethodImpl>> = new Map<string, Callable<MethodImpl>>([
  ['size', { arities: [0], impl: (self, _args, frame, site) => sizeOf(self, frame, site) }],
  ['contains', { arities: [1], impl: stringTest('contains', (s, t) => s.includes(t)) }],
  ['startsWith', { arities: [1], impl: stringTest('startsWith', (s, t) => s.startsWith(t)) }],
  ['endsWith', { arities: [1], impl: stringTest('endsWith', (s, t) => s.endsWith(t)) }],
  ['lowerAscii', { arities: [0], impl: stringMap('lowerAscii', (s) => s.replace(/[A-Z]+/g, (m) => m.toLowerCase())) }],
  ['upperAscii', { arities: [0], impl: stringMap('upperAscii', (s) => s.replace(/[a-z]+/g, (m) => m.toUpperCase())) }],
  ['trim', { arities: [0], impl: stringMap('trim', (s) => s.trim()) }],
  ['split', { arities: [1, 2], impl: split }],
  ['join', { arities: [0, 1], impl: join }],
  ['indexOf', { arities: [1, 2], impl: (self, args, frame, site) => indexOf(false, self, args, frame, site) }],
  ['lastIndexOf', { arities: [1, 2], impl: (self, args, frame, site) => indexOf(true, self, args, frame, site) }],
  ['substring', { arities: [1, 2], impl: substring }],
  ['replace', { arities: [2], impl: replace }],
])

/** `size(x)`: characters (code points) of a string, elements of a list, keys of a map. */
export function sizeOf(x: unknown, frame: Frame, site: string): number {
  if (typeof x === 'string') {
    chargeWork(frame, x.length >>> 6)
    return codePointCount(x)
  }
  if (isList(x)) return x.length
  if (isMap(x)) return Object.keys(x).length
  throw new ExpressionError(`size() needs a string, a list or a map, got ${describeValue(x)} (in ${site})`)
}

function codePointCount(s: string): number {
  let count = s.length
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        count--
        i++
      }
    }
  }
  return count
}

const INTEGER_TEXT = /^\s*[+-]?\d+\s*$/
const NUMBER_TEXT = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/

function toInt(x: unknown, site: string): number {
  if (typeof x === 'number') return Math.trunc(x) === 0 ? 0 : Math.trunc(x)
  if (typeof x === 'string' && INTEGER_TEXT.test(x)) {
    const n = Number(x)
    if (Number.isFinite(n)) return n === 0 ? 0 : n
  }
  throw new ExpressionError(`int() needs a number or a string of digits, got ${describeValue(x)} (in ${site})`)
}

function toDouble(x: unknown, site: string): number {
  if (typeof x === 'number') return x
  if (typeof x === 'string' && NUMBER_TEXT.test(x)) {
    const n = Number(x)
    if (Number.isFinite(n)) return n === 0 ? 0 : n
  }
  throw new ExpressionError(`double() needs a number or a numeric string, got ${describeValue(x)} (in ${site})`)
}

function toBool(x: unknown, site: string): boolean {
  if (typeof x === 'boolean') return x
  if (x === 'true') return true
  if (x === 'false') return false
  throw new ExpressionError(`bool() needs a boolean or "true"/"false", got ${describeValue(x)} (in ${site})`)
}

function needString(name: string, what: string, value: unknown, site: string): string {
  if (typeof value === 'string') return value
  throw new ExpressionError(`${name}() needs a string ${what}, got ${describeValue(value)} (in ${site})`)
}

function stringTest(name: string, test: (s: string, t: string) => boolean): MethodImpl {
  return (self, args, frame, site) => {
    const s = needString(name, 'to work on', self, site)
    const t = needString(name, 'argument', args[0], site)
    chargeWork(frame, s.length >>> 6)
    return test(s, t)
  }
}

function stringMap(name: string, map: (s: string) => string): MethodImpl {
  return (self, _args, frame, site) => {
    const s = needString(name, 'to work on', self, site)
    chargeWork(frame, s.length >>> 6)
    return map(s)
  }
}

function needInteger(name: string, value: unknown, site: string): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value
  throw new ExpressionError(`${name}() needs a whole number, got ${describeValue(value)} (in ${site})`)
}

/** The string as code points, or `null` when it has none outside the BMP (then UTF-16 indices are code points). */
function codePoints(s: string): string[] | null {
  return /[\uD800-\uDFFF]/.test(s) ? Array.from(s) : null
}

/** `s.split(sep)`, `s.split(sep, n)`: CEL's limit keeps the rest in the last part (n < 0: no limit; 0: no parts). */
function split(self: unknown, args: readonly unknown[], frame: Frame, site: string): unknown {
  const s = needString('split', 'to work on', self, site)
  const sep = needString('split', 'separator', args[0], site)
  const limit = args.length > 1 ? needInteger('split', args[1], site) : -1
  chargeWork(frame, s.length >>> 6)
  if (limit === 0) return []
  const parts = splitCharged(s, sep, frame)
  if (limit < 0 || parts.length <= limit) return parts
  const head = parts.slice(0, limit - 1)
  head.push(parts.slice(limit - 1).join(sep))
  return head
}

/**
 * Splits and charges a unit per part, never building more parts than the work left allows (so splitting a 10 MB
 * string into characters fails at once instead of first allocating ten million strings).
 */
function splitCharged(s: string, sep: string, frame: Frame): string[] {
  if (sep === '') {
    chargeWork(frame, s.length)
    return Array.from(s)
  }
  const parts = s.split(sep, WORK_LIMIT - frame.work + 1)
  chargeWork(frame, parts.length)
  return parts
}

/** `list.join()`, `list.join(sep)`: strings, numbers and booleans, as text. */
function join(self: unknown, args: readonly unknown[], frame: Frame, site: string): unknown {
  if (!isList(self))
    throw new ExpressionError(`join() needs a list to work on, got ${describeValue(self)} (in ${site})`)
  const sep = args.length > 0 ? needString('join', 'separator', args[0], site) : ''
  chargeWork(frame, self.length)
  const parts = new Array<string>(self.length)
  let length = sep.length * Math.max(0, self.length - 1)
  for (let i = 0; i < self.length; i++) {
    const item = self[i]
    if (typeof item !== 'string' && typeof item !== 'number' && typeof item !== 'boolean') {
      throw new ExpressionError(
        `join() needs a list of strings, numbers or booleans, got ${describeValue(item)} at index ${i} (in ${site})`,
      )
    }
    parts[i] = String(item)
    length += parts[i]!.length
  }
  checkStringLength(length, site)
  return parts.join(sep)
}

/** `s.indexOf(t)`, `s.indexOf(t, from)` and the `lastIndexOf` pair: a code point index, or -1. */
function indexOf(last: boolean, self: unknown, args: readonly unknown[], frame: Frame, site: string): number {
  const name = last ? 'lastIndexOf' : 'indexOf'
  const s = needString(name, 'to work on', self, site)
  const t = needString(name, 'argument', args[0], site)
  chargeWork(frame, s.length >>> 6)
  const points = codePoints(s)
  const size = points === null ? s.length : points.length
  const from = args.length > 1 ? needInteger(name, args[1], site) : last ? size : 0
  if (from < 0 || from > size) {
    throw new ExpressionError(`${name}() start ${from} is outside the string (size ${size}) (in ${site})`)
  }
  if (points === null) return last ? s.lastIndexOf(t, from) : s.indexOf(t, from)
  const unitFrom = points.slice(0, from).join('').length
  const found = last ? s.lastIndexOf(t, unitFrom) : s.indexOf(t, unitFrom)
  return found < 0 ? -1 : Array.from(s.slice(0, found)).length
}

/** `s.substring(start)`, `s.substring(start, end)`, in code points; a range outside the string is an error. */
function substring(self: unknown, args: readonly unknown[], frame: Frame, site: string): string {
  const s = needString('substring', 'to work on', self, site)
  chargeWork(frame, s.length >>> 6)
  const points = codePoints(s)
  const size = points === null ? s.length : points.length
  const start = needInteger('substring', args[0], site)
  const end = args.length > 1 ? needInteger('substring', args[1], site) : size
  if (start < 0 || end > size || start > end) {
    throw new ExpressionError(`substring(${start}, ${end}) is outside the string (size ${size}) (in ${site})`)
  }
  return points === null ? s.slice(start, end) : points.slice(start, end).join('')
}

/** `s.replace(old, new)`: every occurrence; the result's length is checked before it is built. */
function replace(self: unknown, args: readonly unknown[], frame: Frame, site: string): string {
  const s = needString('replace', 'to work on', self, site)
  const from = needString('replace', 'to look for', args[0], site)
  const to = needString('replace', 'to put in', args[1], site)
  if (from === '') throw new ExpressionError(`replace() needs a non-empty string to look for (in ${site})`)
  chargeWork(frame, s.length >>> 6)
  const parts = splitCharged(s, from, frame)
  checkStringLength(s.length + (parts.length - 1) * (to.length - from.length), site)
  return parts.join(to)
}
