import { ExpressionError } from './expression-error.js'
import { describeValue, typeName } from './describe-value.js'
import { hasOwn, isList, isMap } from './plain-data.js'

/** Where a field or index access was written, for messages: the whole path and the part before the last step. */
export interface AccessSite {
  /** The path as written, e.g. `steps["my-step"].output.x`. */
  readonly path: string
  /** The container's path, e.g. `steps["my-step"].output`. */
  readonly container: string
}

/**
 * `container.key`: an own property of a map. Never reads a prototype: `hasOwn` first, and maps are plain data.
 *
 * @throws ExpressionError naming the path when the field is missing or the container is not a map.
 */
export function readField(container: unknown, key: string, site: AccessSite): unknown {
  if (isMap(container) && hasOwn(container, key)) return container[key]
  throw accessError(container, key, site)
}

/**
 * `container[key]`: a whole-number index into a list or a string key of a map.
 *
 * @throws ExpressionError naming the path when there is no such element or the key has the wrong type.
 */
export function readIndex(container: unknown, key: unknown, site: AccessSite): unknown {
  if (isList(container)) {
    if (typeof key === 'number' && Number.isInteger(key) && key >= 0 && key < container.length) return container[key]
  } else if (isMap(container) && typeof key === 'string' && hasOwn(container, key)) {
    return container[key]
  }
  throw accessError(container, key, site)
}

/** The error for an access that found nothing, saying why in one sentence. */
function accessError(container: unknown, key: unknown, site: AccessSite): ExpressionError {
  const options = { path: site.path }
  const where = `(path ${site.path})`
  if (isMap(container)) {
    if (typeof key !== 'string') {
      return new ExpressionError(`map keys are strings, so ${describeValue(key)} cannot be a key ${where}`, options)
    }
    return new ExpressionError(`no field ${JSON.stringify(key)} in ${site.container} ${where}`, options)
  }
  if (isList(container)) {
    if (typeof key === 'number' && Number.isInteger(key)) {
      const size = container.length === 1 ? '1 element' : `${container.length} elements`
      return new ExpressionError(`no index ${key} in ${site.container}, which has ${size} ${where}`, options)
    }
    if (typeof key !== 'string') {
      return new ExpressionError(`a list index must be a whole number, got ${describeValue(key)} ${where}`, options)
    }
  }
  const what = typeof key === 'string' ? `field ${JSON.stringify(key)}` : `element ${describeValue(key)}`
  if (container === null)
    return new ExpressionError(`${site.container} is null, so it has no ${what} ${where}`, options)
  return new ExpressionError(`${site.container} is a ${typeName(container)}, so it has no ${what} ${where}`, options)
}
