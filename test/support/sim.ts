import type { Workflow } from '../../src/definition/model.js'
import { decide, type Command, type DecisionInput } from '../../src/engine/decide.js'
import { ExecutionState } from '../../src/engine/state.js'
import type { PendingEvent } from '../../src/events/index.js'
import type { SignalRecord } from '../../src/store/index.js'
import type { ErrorInfo, JsonValue } from '../../src/util/index.js'
import { executionRecord } from './store-fixtures.js'

/**
 * Drives `decide()` by hand, with no store and no clock: the pure core under a microscope. Each call feeds one
 * input and keeps every event and command, so tests read like the event log.
 */
export class Sim {
  readonly state: ExecutionState
  readonly events: PendingEvent[] = []
  commands: Command[] = []
  now = 1_000_000
  random = 0.5
  #signalId = 0

  constructor(workflow: Workflow, inputs: Record<string, JsonValue> = {}) {
    this.state = new ExecutionState({
      execution: executionRecord(workflow, this.now, { inputs }),
      steps: [],
      iterations: [],
      signals: [],
    })
  }

  feed(input: DecisionInput): this {
    const decision = decide(this.state, input, { now: this.now, random: () => this.random })
    this.state.takeChanges()
    this.events.push(...decision.events)
    this.commands.push(...decision.commands)
    return this
  }

  start(): this {
    return this.feed({ kind: 'start' })
  }

  /** The attempt number of the running attempt of a step (or iteration). */
  attempt(step: string, index: number | null = null): number {
    const s = this.state.step(step)
    return index === null ? s.attempts : (s.iterations?.[index]?.attempts ?? 0)
  }

  succeed(step: string, output: unknown = null, index: number | null = null): this {
    return this.feed({
      kind: 'attempt-ended',
      step,
      index,
      attempt: this.attempt(step, index),
      outcome: { ok: true, output },
    })
  }

  fail(
    step: string,
    error: Partial<ErrorInfo> = {},
    options: { index?: number | null; retryable?: boolean } = {},
  ): this {
    const index = options.index ?? null
    return this.feed({
      kind: 'attempt-ended',
      step,
      index,
      attempt: this.attempt(step, index),
      outcome: {
        ok: false,
        error: { code: error.code ?? 'ACTION_FAILED', message: error.message ?? 'boom' },
        retryable: options.retryable ?? true,
      },
    })
  }

  /** Moves time and fires due timers. */
  advance(ms: number): this {
    this.now += ms
    return this.feed({ kind: 'timers' })
  }

  signal(topic: string, data: unknown = null): this {
    const signal: SignalRecord = { id: ++this.#signalId, topic, data, createdAt: this.now, consumedBy: null }
    this.state.signals.push(signal)
    this.events.push({ type: 'signal.received', step: null, attempt: null, index: null, data: { topic, data } })
    return this.feed({ kind: 'signals' })
  }

  statuses(): Record<string, string> {
    return Object.fromEntries([...this.state.steps].map(([name, s]) => [name, s.status]))
  }

  types(): string[] {
    return this.events.map((e) => e.type)
  }

  /** Event types with their step, e.g. `step.started:a`. */
  log(): string[] {
    return this.events.map((e) =>
      e.step === null ? e.type : `${e.type}:${e.step}${e.index === null ? '' : `[${e.index}]`}`,
    )
  }

  started(): string[] {
    const list = this.commands
      .filter((c) => c.kind === 'start-attempt')
      .map((c) => (c.index === null ? c.step : `${c.step}[${c.index}]`))
    return list
  }

  takeCommands(): Command[] {
    const list = this.commands
    this.commands = []
    return list
  }
}
