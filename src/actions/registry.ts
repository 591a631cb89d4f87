import type { Clock } from '../util/index.js'
import { isReservedActionName, isValidActionName } from './action-name.js'
import { createBuiltInActions } from './builtins/create-built-ins.js'
import { ActionNotFoundError, ActionRegistrationError } from './errors.js'
import type { Action, AnyAction } from './types.js'

/** One action to register, with where it came from (for messages). */
export interface ActionRegistration {
  readonly name: string
  readonly fn: AnyAction
  /** Where it came from: `./actions.ts#charge`, `builder step "charge"`, … */
  readonly origin: string
}

interface Entry {
  readonly fn: Action
  readonly origin: string
}

/** The origin recorded for built-in actions. */
export const BUILT_IN_ORIGIN = 'built-in'

// Lets createActionRegistry() add the reserved built-ins, which register() refuses on purpose.
let addBuiltIns: (registry: ActionRegistry, actions: Readonly<Record<string, Action>>) => void

/**
 * Actions by name. Names must match {@link ACTION_NAME_PATTERN}; built-in names (`core`, `core.*`, `shell`, `http`)
 * cannot be taken; a name is held by one function. Registering the same function under the same name again is a
 * no-op (a builder may name one action in many workflows). `new ActionRegistry()` is empty;
 * {@link createActionRegistry} gives one that holds the built-ins.
 */
export class ActionRegistry {
  readonly #entries = new Map<string, Entry>()

  static {
    addBuiltIns = (registry, actions) => {
      for (const [name, fn] of Object.entries(actions)) registry.#entries.set(name, { fn, origin: BUILT_IN_ORIGIN })
    }
  }

  /**
   * Registers `fn` under `name`; `origin` says where it came from, for messages.
   * @throws ActionRegistrationError for an invalid, reserved or taken name, or when `fn` is not a function.
   */
  register(name: string, fn: AnyAction, origin: string): void {
    this.registerAll([{ name, fn, origin }])
  }

  /**
   * Registers several actions, all or none: every one is checked (also against the others) before any is added.
   * @throws ActionRegistrationError for the first one that cannot be registered.
   */
  registerAll(registrations: readonly ActionRegistration[]): void {
    const added = new Map<string, Entry>()
    for (const { name, fn, origin } of registrations) {
      const held = added.get(name) ?? this.#entries.get(name)
      checkRegistration(name, fn, origin, held)
      // the engine hands an action whatever `with` rendered to; checking it is the action's job
      if (held === undefined) added.set(name, { fn: fn as Action, origin })
    }
    for (const [name, entry] of added) this.#entries.set(name, entry)
  }

  /**
   * The action registered under `name`. Its input is `unknown`: the engine passes whatever `with` rendered to.
   * @throws ActionNotFoundError (code `NOT_FOUND`) when there is none; the message suggests a close name.
   */
  get(name: string): Action {
    const entry = this.#entries.get(name)
    if (entry === undefined) throw new ActionNotFoundError(name, this.names())
    return entry.fn
  }

  /** The action registered under `name`, or `undefined`. */
  find(name: string): Action | undefined {
    return this.#entries.get(name)?.fn
  }

  /** True when an action is registered under `name`. */
  has(name: string): boolean {
    return this.#entries.has(name)
  }

  /** Where the action under `name` came from (`built-in`, `./actions.ts#charge`, …), or `undefined`. */
  originOf(name: string): string | undefined {
    return this.#entries.get(name)?.origin
  }

  /** Every registered name, sorted. */
  names(): string[] {
    return [...this.#entries.keys()].sort()
  }
}

function checkRegistration(name: string, fn: unknown, origin: string, held: Entry | undefined): void {
  if (typeof name !== 'string' || !isValidActionName(name)) {
    throw new ActionRegistrationError({ problem: 'invalid-name', actionName: String(name), origin })
  }
  if (isReservedActionName(name)) throw new ActionRegistrationError({ problem: 'reserved', actionName: name, origin })
  if (typeof fn !== 'function') {
    const got = fn === null ? 'null' : Array.isArray(fn) ? 'an array' : typeof fn
    throw new ActionRegistrationError({ problem: 'not-a-function', actionName: name, origin, got })
  }
  if (held !== undefined && held.fn !== fn) {
    throw new ActionRegistrationError({ problem: 'duplicate', actionName: name, origin, takenBy: held.origin })
  }
}

/** Options of {@link createActionRegistry}. */
export interface ActionRegistryOptions {
  /** The clock `core.sleep` waits on. @default systemClock */
  readonly clock?: Clock
}

/** A registry that already holds the built-in actions (`core.noop`, `core.echo`, `core.fail`, `core.sleep`, `shell`, `http`). */
export function createActionRegistry(options: ActionRegistryOptions = {}): ActionRegistry {
  const registry = new ActionRegistry()
  addBuiltIns(registry, createBuiltInActions(options))
  return registry
}
