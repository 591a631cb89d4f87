import type { ActionRegistry } from '../actions/index.js'
import type { EventBus, TrellisEvent } from '../events/index.js'
import { LeaseLostError, isTerminalStatus, type Lease, type Store } from '../store/index.js'
import type { Clock, Logger } from '../util/index.js'
import { newAttemptOf, performAttempt, SHUTDOWN, type AroundAttempt, type AttemptToRun } from './attempt-body.js'
import { decide, type AttemptOutcome, type Command, type DecisionInput } from './decide.js'
import { hasChanges, inFlightKey, type ExecutionState } from './state.js'

/** What a runner needs from the engine that owns it. */
export interface RunnerHost {
  readonly store: Store
  readonly clock: Clock
  readonly random: () => number
  readonly actions: ActionRegistry
  readonly bus: EventBus
  readonly logger: Logger
  /** Runs a child workflow for a `workflow` step; resolves with its outcome. */
  runChild(parent: ExecutionState, attempt: AttemptToRun, signal: AbortSignal): Promise<unknown>
  /** The engine's wrapper around attempt bodies, if any. */
  aroundAttempt(): AroundAttempt | null
  /** Called after every commit: the engine re-arms its one timer and wakes waiters. */
  committed(runner: ExecutionRunner, events: readonly TrellisEvent[]): void
  /** The runner stopped holding the execution (ended, lease lost, or failed internally). */
  detached(runner: ExecutionRunner, reason: 'ended' | 'lease-lost' | 'error' | 'closed', error?: unknown): void
}

/**
 * Holds one execution in this process: feeds inputs to `decide()` one at a time, commits each decision (state
 * and events in one transaction, fenced by the lease), publishes the events, then carries out the commands.
 * Nothing is done that was not first committed; that order is where crash safety comes from.
 */
export class ExecutionRunner {
  readonly #host: RunnerHost
  readonly #inflight = new Map<string, AbortController>()
  #queue: Promise<void> = Promise.resolve()
  #stopped = false

  readonly state: ExecutionState
  lease: Lease

  constructor(host: RunnerHost, state: ExecutionState, lease: Lease) {
    this.#host = host
    this.state = state
    this.lease = lease
  }

  get id(): string {
    return this.state.id
  }

  get stopped(): boolean {
    return this.#stopped
  }

  /**
   * Queues an input (or a loader that reads one from the store); inputs of one execution are decided strictly
   * one after another. The returned promise never rejects: a failure ends in the host's internal-error path.
   */
  dispatch(input: DecisionInput | (() => Promise<DecisionInput | null>)): Promise<void> {
    this.#queue = this.#queue.then(async () => {
      if (this.#stopped) return
      let resolved: DecisionInput | null
      try {
        resolved = typeof input === 'function' ? await input() : input
      } catch (error) {
        if (this.#stopped) return
        this.stop()
        this.#host.detached(this, error instanceof LeaseLostError ? 'lease-lost' : 'error', error)
        return
      }
      if (resolved !== null && !this.#stopped) await this.#apply(resolved)
    })
    return this.#queue
  }

  /** Resolves when every queued input has been applied. */
  idle(): Promise<void> {
    return this.#queue
  }

  /** Stops holding the execution: running attempts are aborted and left resumable (no end event). */
  stop(): void {
    if (this.#stopped) return
    this.#stopped = true
    for (const controller of this.#inflight.values()) controller.abort(SHUTDOWN)
    this.#inflight.clear()
  }

  async #apply(input: DecisionInput): Promise<void> {
    const host = this.#host
    const now = host.clock.now()
    let events: TrellisEvent[]
    let commands: readonly Command[]
    try {
      const decision = decide(this.state, input, { now, random: host.random })
      const changes = this.state.takeChanges()
      commands = decision.commands
      // Nothing changed: no transaction (a patch of `seenInbox` alone still commits).
      events = !hasChanges(changes, decision.events)
        ? []
        : await host.store.commit(this.lease, { ...changes, events: decision.events }, now)
    } catch (error) {
      this.stop()
      host.detached(this, error instanceof LeaseLostError ? 'lease-lost' : 'error', error)
      return
    }
    if (events.length > 0) host.bus.publish(events)
    for (const command of commands) this.#carryOut(command)
    host.committed(this, events)
    if (isTerminalStatus(this.state.status)) {
      this.stop()
      host.detached(this, 'ended')
    }
  }

  #carryOut(command: Command): void {
    switch (command.kind) {
      case 'abort-attempt': {
        const key = inFlightKey(command.step, command.index)
        this.#inflight.get(key)?.abort(command.reason)
        this.#inflight.delete(key)
        return
      }
      case 'start-attempt':
        void this.#runAttempt(command)
        return
    }
  }

  async #runAttempt(command: Extract<Command, { kind: 'start-attempt' }>): Promise<void> {
    const host = this.#host
    const key = inFlightKey(command.step, command.index)
    const controller = new AbortController()
    this.#inflight.set(key, controller)
    const attempt = { ...newAttemptOf(command), executionId: this.state.id }
    let outcome: AttemptOutcome | null
    try {
      outcome = await performAttempt(
        {
          clock: host.clock,
          actions: host.actions,
          logger: host.logger,
          aroundAttempt: host.aroundAttempt(),
          runChild: (child, signal) => host.runChild(this.state, child, signal),
        },
        attempt,
        controller,
      )
    } finally {
      if (this.#inflight.get(key) === controller) this.#inflight.delete(key)
    }
    if (outcome === null) return
    // Let the event loop breathe after every attempt: with synchronous actions and a synchronous SQLite driver,
    // end → decide → commit → start is otherwise an endless chain of promise callbacks, and lease renewals, change
    // checks, timers and HTTP requests would wait until the whole workload ended.
    await new Promise<void>((resolve) => setImmediate(resolve))
    if (this.#stopped) return
    void this.dispatch({
      kind: 'attempt-ended',
      step: command.step,
      index: command.index,
      attempt: command.attempt,
      outcome,
    })
  }
}
