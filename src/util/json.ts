/** A value that JSON can carry. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue }

/**
 * Checks that `value` is plain JSON: no cycles, functions, BigInts, symbols, non-finite numbers or class instances
 * (Date is not JSON either). Returns the path of the first offending part, or `null` when it is JSON.
 */
export function findNonJson(value: unknown, path = '$', seen = new Set<object>()): string | null {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return null
    case 'number':
      return Number.isFinite(value) ? null : path
    case 'object': {
      if (value === null) return null
      if (seen.has(value)) return `${path} (cycle)`
      seen.add(value)
      try {
        if (Array.isArray(value)) {
          for (let i = 0; i < value.length; i++) {
            const bad = findNonJson(value[i], `${path}[${i}]`, seen)
            if (bad !== null) return bad
          }
          return null
        }
        const proto = Object.getPrototypeOf(value) as unknown
        if (proto !== Object.prototype && proto !== null) return path
        for (const [key, item] of Object.entries(value)) {
          const bad = findNonJson(item, `${path}.${key}`, seen)
          if (bad !== null) return bad
        }
        return null
      } finally {
        seen.delete(value)
      }
    }
    case 'bigint':
    case 'function':
    case 'symbol':
    case 'undefined':
      return path
  }
}

/** Compares two JSON values structurally (object key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]))
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.length !== kb.length) return false
  return ka.every(
    (k) => Object.hasOwn(b, k) && jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  )
}
