import type { ExecutionState } from './state.js'

/**
 * States of detached executions, each as this process's last decision left it, with the version that decision
 * committed. A state is handed out only for the same version and inbox (nobody committed, no signal or request
 * arrived since), and only once: a decision that fails part-way has changed it in memory, so it must not be used
 * again; the next decision reads the execution afresh. The most recently used `capacity` states are kept.
 */
export class StateCache {
  readonly #capacity: number
  readonly #entries = new Map<string, { version: number; state: ExecutionState }>()

  constructor(capacity: number) {
    this.#capacity = capacity
  }

  /** The state of `id` at exactly this version and inbox, removed from the cache; undefined otherwise. */
  take(id: string, version: number, inbox: number): ExecutionState | undefined {
    const entry = this.#entries.get(id)
    if (entry === undefined) return undefined
    this.#entries.delete(id)
    return entry.version === version && entry.state.inbox === inbox ? entry.state : undefined
  }

  /** The version and inbox of the state kept for `id`, without taking it. */
  peek(id: string): { version: number; inbox: number } | undefined {
    const entry = this.#entries.get(id)
    return entry === undefined ? undefined : { version: entry.version, inbox: entry.state.inbox }
  }

  put(id: string, version: number, state: ExecutionState): void {
    this.#entries.delete(id)
    this.#entries.set(id, { version, state })
    if (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next()
      if (oldest.done !== true) this.#entries.delete(oldest.value)
    }
  }
}
