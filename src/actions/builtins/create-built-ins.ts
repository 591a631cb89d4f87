import { systemClock, type Clock } from '../../util/index.js'
import type { BuiltInActionName } from '../action-name.js'
import type { Action } from '../types.js'
import { echo, fail, noop, sleep } from './core.js'
import { http } from './http.js'
import { shell } from './shell.js'

/** What the built-ins need from outside. */
export interface BuiltInOptions {
  /** The clock `core.sleep` waits on. @default systemClock */
  readonly clock?: Clock
}

/** The built-in actions by name, as in workflow-format.md's table. */
export function createBuiltInActions(options: BuiltInOptions = {}): Readonly<Record<BuiltInActionName, Action>> {
  return Object.freeze({
    'core.noop': noop,
    'core.echo': echo,
    'core.fail': fail,
    'core.sleep': sleep(options.clock ?? systemClock),
    shell: shell(),
    http,
  })
}
