import { ExpressionError } from './expression-error.js'

/**
 * What expressions work on: plain JSON data. Everything an expression can see is either a scope value that
 * {@link assertPlainData} accepted or a value the evaluator built itself, so the type guards below can trust the
 * shape: a non-array object is a map with own data properties only, never a class instance or a host object.
 */

/** A JSON object as expressions see it. */
export type DataMap = { readonly [key: string]: unknown }

/** True for a JSON array. */
export function isList(value: unknown): value is readonly unknown[] {
  return Array.isArray(value)
}

/** True for a JSON object (a "map" in the expression language). */
export function isMap(value: unknown): value is DataMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Own-property check that no key can fool (`hasOwnProperty` could be a key of the data itself). */
export const hasOwn: (object: object, key: PropertyKey) => boolean = Object.hasOwn

/** Containers (with their subtrees) already found to be plain JSON. Weak, so it never keeps data alive. */
const verified = new WeakSet<object>()

/**
 * Containers at least this big, found inside a scope root, are remembered, so a large step output or input list is
 * checked once rather than on every render. Smaller ones are cheaper to check again than to remember (a WeakSet
 * insert costs about as much as checking a dozen properties). Roots themselves are never remembered: the engine
 * updates its `steps` and `vars` objects in place, and a remembered root would let a new entry in unchecked.
 */
const REMEMBER_MIN_ENTRIES = 16

/**
 * Checks that a scope value is plain JSON data: objects whose prototype is `Object.prototype` or `null`, arrays,
 * strings, finite numbers, booleans and null, with own data properties only (no getters, which would run host code
 * when read), no holes and no cycles. The check walks iteratively, so data nested 10,000 levels deep is fine. The
 * root is checked on every call; containers of 16 or more entries inside it are remembered by identity, so they
 * must not be changed in place once used in a render (replace them instead).
 *
 * @throws ExpressionError naming the path of the first value that is not JSON data.
 */
export function assertPlainData(value: unknown, root: string): void {
  if (typeof value !== 'object' || value === null) {
    const problem = scalarProblem(value)
    if (problem !== null) throw notJson(root, problem)
    return
  }
  if (!verified.has(value) && !isFlatData(value)) walk(value, root)
}

/**
 * The fast path for the common small case: true when `container` is a plain object or array whose entries are all
 * valid scalars. Otherwise the full walk finds the nested containers, or reports the problem with its path.
 */
function isFlatData(container: object): boolean {
  if (containerProblem(container) !== null) return false
  const keys = Array.isArray(container) ? null : Object.getOwnPropertyNames(container)
  const length = keys === null ? (container as readonly unknown[]).length : keys.length
  for (let i = 0; i < length; i++) {
    const descriptor = Object.getOwnPropertyDescriptor(container, keys === null ? i : keys[i]!)
    if (descriptor === undefined || !('value' in descriptor)) return false
    const child: unknown = descriptor.value
    if ((typeof child === 'object' && child !== null) || scalarProblem(child) !== null) return false
  }
  return true
}

/** True for a container that {@link assertPlainData} checked and remembered (large data inside a scope root). */
export function isRememberedData(value: object): boolean {
  return verified.has(value)
}

interface Visit {
  readonly container: object
  /** Property names of an object; `null` for an array (its indices are walked). */
  readonly keys: readonly string[] | null
  readonly length: number
  /** The next entry to look at; the one being looked at is `next - 1`. */
  next: number
}

function walk(root: object, rootName: string): void {
  const stack: Visit[] = []
  const ancestors = new Set<object>()
  const enter = (container: object): void => {
    const problem = containerProblem(container)
    if (problem !== null) throw notJson(pathOf(rootName, stack), problem)
    const keys = Array.isArray(container) ? null : Object.getOwnPropertyNames(container)
    const length = keys === null ? (container as readonly unknown[]).length : keys.length
    stack.push({ container, keys, length, next: 0 })
    ancestors.add(container)
  }
  enter(root)
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!
    if (top.next >= top.length) {
      stack.pop()
      ancestors.delete(top.container)
      if (stack.length > 0 && top.length >= REMEMBER_MIN_ENTRIES) verified.add(top.container)
      continue
    }
    const key = top.keys === null ? top.next : top.keys[top.next]!
    top.next++
    const descriptor = Object.getOwnPropertyDescriptor(top.container, key)
    if (descriptor === undefined) throw notJson(pathOf(rootName, stack), 'a hole in an array')
    if (!('value' in descriptor)) throw notJson(pathOf(rootName, stack), 'a getter or setter')
    const child: unknown = descriptor.value
    if (typeof child === 'object' && child !== null) {
      if (verified.has(child)) continue
      if (ancestors.has(child)) throw notJson(pathOf(rootName, stack), 'a reference to itself (a cycle)')
      enter(child)
    } else {
      const problem = scalarProblem(child)
      if (problem !== null) throw notJson(pathOf(rootName, stack), problem)
    }
  }
}

function scalarProblem(value: unknown): string | null {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return null
    case 'number':
      return Number.isFinite(value) ? null : `the number ${String(value)}`
    case 'undefined':
      return 'undefined'
    case 'bigint':
      return 'a bigint'
    case 'function':
      return 'a function'
    case 'symbol':
      return 'a symbol'
    case 'object':
      return null
  }
}

function containerProblem(container: object): string | null {
  const proto: unknown = Object.getPrototypeOf(container)
  if (Array.isArray(container)) return proto === Array.prototype ? null : 'an array of a subclass'
  if (proto === Object.prototype || proto === null) return null
  // Read through descriptors: a plain property read could run a getter of the host's class.
  const ctor: unknown = proto === null ? undefined : Object.getOwnPropertyDescriptor(proto, 'constructor')?.value
  const name: unknown = typeof ctor === 'function' ? Object.getOwnPropertyDescriptor(ctor, 'name')?.value : undefined
  return typeof name === 'string' && name !== '' ? `an instance of ${name}` : 'an object with a custom prototype'
}

/** The path of the entry being looked at, rebuilt from the walk's stack (only when there is a problem to report). */
function pathOf(rootName: string, stack: readonly Visit[]): string {
  let path = rootName
  for (const visit of stack) {
    const i = visit.next - 1
    if (i < 0) break
    path += visit.keys === null ? `[${i}]` : memberText(visit.keys[i]!)
  }
  return path
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/

/** `.name` for a key that is an identifier, `["my-key"]` otherwise: the way an expression would write it. */
function memberText(key: string): string {
  return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`
}

function notJson(path: string, what: string): ExpressionError {
  return new ExpressionError(`${path} holds ${what}, which is not JSON data`, { path })
}
