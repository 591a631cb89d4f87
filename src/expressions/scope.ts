/** The names an expression can start from, in a fixed order (their index is the slot an expression reads). */
export const SCOPE_ROOTS = ['inputs', 'vars', 'steps', 'execution', 'result', 'item', 'index', 'attempt'] as const

/** One of {@link SCOPE_ROOTS}. */
export type ScopeRoot = (typeof SCOPE_ROOTS)[number]

/**
 * The variables an expression may see. Every root is optional: a root that is absent (`undefined`) is "not in
 * scope", and an expression that reads it fails with an {@link ExpressionError} naming it. Values must be plain JSON
 * data (objects, arrays, strings, finite numbers, booleans, null); anything else (a Date, a class instance, a
 * getter, a function) is refused with an ExpressionError naming its path. The roots are checked on every render;
 * containers of 16 or more entries inside them are checked once and remembered by identity, so replace such a
 * container rather than changing it in place.
 */
export interface TemplateScope {
  readonly inputs?: unknown
  readonly vars?: unknown
  readonly steps?: unknown
  readonly execution?: unknown
  /** This step's output; only inside `publish`. */
  readonly result?: unknown
  /** The current element; only inside a `for_each` step. */
  readonly item?: unknown
  /** The current element's index; only inside a `for_each` step. */
  readonly index?: unknown
  /** The current attempt number, from 1. */
  readonly attempt?: unknown
}

const ROOT_INDEX: ReadonlyMap<string, number> = new Map(SCOPE_ROOTS.map((name, i) => [name, i]))

/** The slot of a scope root, or `undefined` when `name` is not one. */
export function scopeRootIndex(name: string): number | undefined {
  return ROOT_INDEX.get(name)
}

const WHERE: Readonly<Partial<Record<ScopeRoot, string>>> = {
  result: 'it exists only inside publish',
  item: 'it exists only inside a for_each step',
  index: 'it exists only inside a for_each step',
  attempt: 'it exists only while a step runs',
}

/** The message for a root that is not in scope: `"item" is not available here (it exists only inside a for_each step)`. */
export function notAvailableMessage(root: ScopeRoot): string {
  const where = WHERE[root]
  return where === undefined ? `"${root}" is not available here` : `"${root}" is not available here (${where})`
}
