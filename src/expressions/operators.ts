import { ExpressionError } from './expression-error.js'
import { chargeWork, checkStringLength, type Frame, type Thunk } from './frame.js'
import { describeValue } from './describe-value.js'
import { hasOwn, isList, isMap } from './plain-data.js'

/**
 * The operators, with JSON semantics rather than CEL's typed ones (workflow-format.md): every number is a JavaScript
 * number, integers and decimals mix, `+` joins text and lists, `==` compares structure. `site` is the expression
 * text the operator was written in, for messages.
 */

/** The result of arithmetic: -0 becomes 0 (JSON has no -0) and a non-finite result is an error, not `Infinity`. */
function finite(result: number, site: string): number {
  if (!Number.isFinite(result)) throw new ExpressionError(`the result is not a finite number (in ${site})`)
  return result === 0 ? 0 : result
}

/**
 * `a + b`: numbers add; strings join; a string and a number or boolean join as text (`"n=" + 3` is `"n=3"`, like
 * JavaScript); lists concatenate. Anything else, null included, is an error.
 */
export function add(a: unknown, b: unknown, frame: Frame, site: string): unknown {
  const ta = typeof a
  const tb = typeof b
  if (ta === 'number' && tb === 'number') return finite((a as number) + (b as number), site)
  if (ta === 'string' || tb === 'string') {
    if (isTextable(ta) && isTextable(tb)) {
      const left = String(a)
      const right = String(b)
      checkStringLength(left.length + right.length, site)
      return left + right
    }
  } else if (isList(a) && isList(b)) {
    chargeWork(frame, a.length + b.length)
    return concatLists(a, b)
  }
  throw new ExpressionError(`cannot add ${describeValue(a)} and ${describeValue(b)} (in ${site})`)
}

/**
 * Copies two lists into a new one with index loops: never a method or iterator of the data itself (`concat`,
 * spreading), which a host array could have overridden.
 */
export function concatLists(a: readonly unknown[], b: readonly unknown[]): unknown[] {
  const out = new Array<unknown>(a.length + b.length)
  for (let i = 0; i < a.length; i++) out[i] = a[i]
  for (let i = 0; i < b.length; i++) out[a.length + i] = b[i]
  return out
}

function isTextable(type: string): boolean {
  return type === 'string' || type === 'number' || type === 'boolean'
}

/** The arithmetic operators other than `+`. */
export type ArithmeticOperator = '-' | '*' | '/' | '%'

/**
 * `- * / %` on two numbers, as JavaScript computes them (`10 / 4` is 2.5, `7 % 4` is 3, `-7 % 4` is -3).
 * Division and remainder by zero are errors: JavaScript's `Infinity` and `NaN` are not JSON numbers, and a workflow
 * that divides by zero has a bug worth failing on.
 */
export function arithmetic(op: ArithmeticOperator, a: unknown, b: unknown, site: string): number {
  if (typeof a !== 'number' || typeof b !== 'number') {
    throw new ExpressionError(`"${op}" needs two numbers, got ${describeValue(a)} and ${describeValue(b)} (in ${site})`)
  }
  switch (op) {
    case '-':
      return finite(a - b, site)
    case '*':
      return finite(a * b, site)
    case '/':
      if (b === 0) throw new ExpressionError(`division by zero (in ${site})`)
      return finite(a / b, site)
    case '%':
      if (b === 0) throw new ExpressionError(`division by zero (in ${site})`)
      return finite(a % b, site)
  }
}

/** Unary `-`. */
export function negate(a: unknown, site: string): number {
  if (typeof a !== 'number') throw new ExpressionError(`"-" needs a number, got ${describeValue(a)} (in ${site})`)
  return a === 0 ? 0 : -a
}

/** Unary `!`. */
export function not(a: unknown, site: string): boolean {
  if (typeof a !== 'boolean') throw new ExpressionError(`"!" needs a boolean, got ${describeValue(a)} (in ${site})`)
  return !a
}

/** The ordering operators. */
export type ComparisonOperator = '<' | '<=' | '>' | '>='

/** `< <= > >=` between two numbers or two strings (strings by UTF-16 code units, as JavaScript compares them). */
export function compare(op: ComparisonOperator, a: unknown, b: unknown, site: string): boolean {
  const ta = typeof a
  if ((ta === 'number' || ta === 'string') && typeof b === ta) {
    // Same primitive type on both sides, so JavaScript's relational operators are exactly what we mean.
    const x = a as number
    const y = b as number
    switch (op) {
      case '<':
        return x < y
      case '<=':
        return x <= y
      case '>':
        return x > y
      case '>=':
        return x >= y
    }
  }
  throw new ExpressionError(`cannot compare ${describeValue(a)} with ${describeValue(b)} using "${op}" (in ${site})`)
}

/**
 * `==`: structural equality of JSON values; values of different types are simply not equal (`1 == "1"` is false,
 * `null == 0` is false). Iterative, so deeply nested data cannot overflow the stack; each element compared counts as
 * work.
 */
export function jsonEquals(a: unknown, b: unknown, frame: Frame): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  const pending: unknown[] = [a, b]
  while (pending.length > 0) {
    const y = pending.pop()
    const x = pending.pop()
    if (x === y) continue
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false
    if (isList(x)) {
      if (!isList(y) || x.length !== y.length) return false
      chargeWork(frame, x.length)
      for (let i = 0; i < x.length; i++) pending.push(x[i], y[i])
    } else {
      if (isList(y) || !isMap(x) || !isMap(y)) return false
      const keys = Object.keys(x)
      if (keys.length !== Object.keys(y).length) return false
      chargeWork(frame, keys.length)
      for (const key of keys) {
        if (!hasOwn(y, key)) return false
        pending.push(x[key], y[key])
      }
    }
  }
  return true
}

/** `a in b`: an element of a list (by `==`), a key of a map, or a substring of a string. */
export function isIn(a: unknown, b: unknown, frame: Frame, site: string): boolean {
  if (isList(b)) {
    chargeWork(frame, b.length)
    for (let i = 0; i < b.length; i++) if (b[i] === a || jsonEquals(a, b[i], frame)) return true
    return false
  }
  if (isMap(b)) {
    if (typeof a !== 'string') {
      throw new ExpressionError(`map keys are strings, so "in" cannot look for ${describeValue(a)} (in ${site})`)
    }
    return hasOwn(b, a)
  }
  if (typeof b === 'string' && typeof a === 'string') {
    chargeWork(frame, b.length >>> 6)
    return b.includes(a)
  }
  throw new ExpressionError(`"in" needs a list, a map or a string on its right, got ${describeValue(b)} (in ${site})`)
}

/**
 * The thunk for `<`, `<=`, `>` or `>=`. Two numbers are by far the common case (every `when` on an amount), so each
 * operator gets its own closure with that case inline; everything else goes through {@link compare}.
 */
export function comparisonThunk(op: ComparisonOperator, left: Thunk, right: Thunk, site: string): Thunk {
  switch (op) {
    case '<':
      return (f) => {
        const a = left(f)
        const b = right(f)
        return typeof a === 'number' && typeof b === 'number' ? a < b : compare(op, a, b, site)
      }
    case '<=':
      return (f) => {
        const a = left(f)
        const b = right(f)
        return typeof a === 'number' && typeof b === 'number' ? a <= b : compare(op, a, b, site)
      }
    case '>':
      return (f) => {
        const a = left(f)
        const b = right(f)
        return typeof a === 'number' && typeof b === 'number' ? a > b : compare(op, a, b, site)
      }
    case '>=':
      return (f) => {
        const a = left(f)
        const b = right(f)
        return typeof a === 'number' && typeof b === 'number' ? a >= b : compare(op, a, b, site)
      }
  }
}

/** The thunk for `&&` or `||`: short-circuit from left to right, like JavaScript, but both sides must be booleans. */
export function logicalThunk(op: '&&' | '||', left: Thunk, right: Thunk, site: string): Thunk {
  const decisive = op === '||'
  const needBoolean = (value: unknown): ExpressionError =>
    new ExpressionError(`"${op}" needs booleans, got ${describeValue(value)} (in ${site})`)
  return (f) => {
    const a = left(f)
    if (a === decisive) return a
    if (typeof a !== 'boolean') throw needBoolean(a)
    const b = right(f)
    if (typeof b !== 'boolean') throw needBoolean(b)
    return b
  }
}
