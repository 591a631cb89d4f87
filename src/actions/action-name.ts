/**
 * What an action name may look like: dot-separated segments, each a letter or `_` followed by letters, digits, `_`
 * or `-` (`billing.charge`, `send-email`, `acme.v2.sync_users`). Each segment is shaped like a step name.
 */
export const ACTION_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*$/

/** The built-in actions' names; `core` and every `core.*` name are reserved as well. */
export const BUILT_IN_ACTION_NAMES = ['core.noop', 'core.echo', 'core.fail', 'core.sleep', 'shell', 'http'] as const

/** The name of one built-in action. */
export type BuiltInActionName = (typeof BUILT_IN_ACTION_NAMES)[number]

/** True when `name` matches {@link ACTION_NAME_PATTERN}. */
export function isValidActionName(name: string): boolean {
  return ACTION_NAME_PATTERN.test(name)
}

/** True when `name` belongs to Trellis: `core`, any `core.*` name, `shell` and `http`. Case-sensitive. */
export function isReservedActionName(name: string): boolean {
  return name === 'core' || name.startsWith('core.') || name === 'shell' || name === 'http'
}
