import type { EventBus, TrellisEvent } from '../events/index.js'
import type { ExecutionStatus, Store } from '../store/index.js'

/**
 * Prometheus metrics for `GET /metrics`, in the text exposition format (version 0.0.4), written by hand.
 * Counters and the histogram count what this process committed (from the engine's event bus) since it started;
 * the gauges are read from the store at scrape time, so they describe the whole database.
 */

/** The histogram's upper bounds, in seconds. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900] as const

/** How many executions of one status a scrape counts at most (a gauge at this value means "at least"). */
export const GAUGE_CAP = 10_000

type AttemptOutcome = 'completed' | 'failed' | 'cancelled'
type EndStatus = 'completed' | 'failed' | 'cancelled'

/** Attempts that started and have not ended, keyed `execution/step/index/attempt`, with their start time. */
const MAX_OPEN_ATTEMPTS = 100_000

class Histogram {
  readonly counts: number[] = DURATION_BUCKETS.map(() => 0)
  count = 0
  sum = 0

  observe(seconds: number): void {
    this.count++
    this.sum += seconds
    for (let i = 0; i < DURATION_BUCKETS.length; i++) if (seconds <= DURATION_BUCKETS[i]!) this.counts[i]!++
  }
}

/** Counts events from an engine's bus and renders the exposition text. */
export class EngineMetrics {
  readonly #store: Store
  readonly #off: () => void
  #started = 0
  readonly #ended: Record<EndStatus, number> = { completed: 0, failed: 0, cancelled: 0 }
  readonly #attempts: Record<AttemptOutcome | 'retried', number> = { completed: 0, failed: 0, cancelled: 0, retried: 0 }
  readonly #signals = { received: 0 }
  readonly #durations = new Map<AttemptOutcome, Histogram>()
  readonly #open = new Map<string, number>()

  constructor(bus: EventBus, store: Store) {
    this.#store = store
    this.#off = bus.onAny((event) => this.#count(event))
  }

  /** Stops counting. */
  close(): void {
    this.#off()
  }

  #count(event: TrellisEvent): void {
    switch (event.type) {
      case 'execution.started':
        this.#started++
        break
      case 'execution.completed':
        this.#ended.completed++
        break
      case 'execution.failed':
        this.#ended.failed++
        break
      case 'execution.cancelled':
        this.#ended.cancelled++
        break
      case 'signal.received':
        this.#signals.received++
        break
      case 'step.started': {
        if (this.#open.size >= MAX_OPEN_ATTEMPTS) this.#open.delete(this.#open.keys().next().value!)
        this.#open.set(attemptKey(event, event.attempt), Date.parse(event.at))
        break
      }
      case 'step.completed':
        // A for_each step's own step.completed (index null, attempt null) is not an attempt.
        if (event.attempt !== null) this.#attemptEnded(event, 'completed')
        break
      case 'step.retrying':
        this.#attempts.retried++
        this.#attemptEnded(event, 'failed')
        break
      case 'step.failed':
        if (event.attempt !== null) this.#attemptEnded(event, 'failed')
        break
      case 'step.cancelled':
        if (event.attempt !== null) this.#attemptEnded(event, 'cancelled')
        break
      case 'step.skipped':
      case 'step.waiting':
      case 'execution.suspended':
      case 'execution.paused':
      case 'execution.resumed':
        break
    }
  }

  #attemptEnded(event: TrellisEvent, outcome: AttemptOutcome): void {
    this.#attempts[outcome]++
    const key = attemptKey(event, event.attempt)
    const startedAt = this.#open.get(key)
    if (startedAt === undefined) return // started in another process, or before this one started
    this.#open.delete(key)
    let histogram = this.#durations.get(outcome)
    if (histogram === undefined) this.#durations.set(outcome, (histogram = new Histogram()))
    histogram.observe(Math.max(0, Date.parse(event.at) - startedAt) / 1000)
  }

  /** The exposition text. Reads the store for the gauges. */
  async render(): Promise<string> {
    const counts = await this.#statusCounts(['pending', 'running', 'suspended', 'paused'])
    const queued = await this.#store.countReadyAttempts()
    const out: string[] = []
    metric(out, 'trellis_executions_started_total', 'counter', 'Executions this process started running.', [
      ['', this.#started],
    ])
    metric(
      out,
      'trellis_executions_ended_total',
      'counter',
      'Executions this process ended, by final status.',
      (['completed', 'failed', 'cancelled'] as const).map((s) => [`status="${s}"`, this.#ended[s]]),
    )
    metric(
      out,
      'trellis_attempts_total',
      'counter',
      'Step attempts this process ended, by outcome (failed includes attempts that will be retried).',
      (['completed', 'failed', 'cancelled'] as const).map((o) => [`outcome="${o}"`, this.#attempts[o]]),
    )
    metric(out, 'trellis_attempt_retries_total', 'counter', 'Failed attempts followed by another attempt.', [
      ['', this.#attempts.retried],
    ])
    metric(out, 'trellis_signals_received_total', 'counter', 'Signals this process stored.', [
      ['', this.#signals.received],
    ])
    out.push(
      '# HELP trellis_step_duration_seconds Duration of step attempts this process ran, by outcome.',
      '# TYPE trellis_step_duration_seconds histogram',
    )
    for (const outcome of ['completed', 'failed', 'cancelled'] as const) {
      const h = this.#durations.get(outcome) ?? new Histogram()
      DURATION_BUCKETS.forEach((le, i) =>
        out.push(`trellis_step_duration_seconds_bucket{outcome="${outcome}",le="${le}"} ${h.counts[i]!}`),
      )
      out.push(`trellis_step_duration_seconds_bucket{outcome="${outcome}",le="+Inf"} ${h.count}`)
      out.push(`trellis_step_duration_seconds_sum{outcome="${outcome}"} ${formatNumber(h.sum)}`)
      out.push(`trellis_step_duration_seconds_count{outcome="${outcome}"} ${h.count}`)
    }
    metric(
      out,
      'trellis_executions',
      'gauge',
      `Executions in the store that have not ended, by status (counted up to ${GAUGE_CAP}).`,
      Object.entries(counts).map(([status, n]) => [`status="${status}"`, n]),
    )
    metric(
      out,
      'trellis_queue_depth',
      'gauge',
      'Ready steps waiting for a worker: attempts decided and not claimed yet, plus executions created and not started.',
      [['', queued + (counts.pending ?? 0)]],
    )
    metric(
      out,
      'trellis_waiting_executions',
      'gauge',
      'Executions parked on a sleep or a signal (suspended) or paused.',
      [['', (counts.suspended ?? 0) + (counts.paused ?? 0)]],
    )
    metric(out, 'trellis_attempts_running', 'gauge', 'Attempts this process has started and not ended.', [
      ['', this.#open.size],
    ])
    return out.join('\n') + '\n'
  }

  async #statusCounts(statuses: readonly ExecutionStatus[]): Promise<Partial<Record<ExecutionStatus, number>>> {
    const lists = await Promise.all(statuses.map((status) => this.#store.listExecutions({ status, limit: GAUGE_CAP })))
    return Object.fromEntries(statuses.map((status, i) => [status, lists[i]!.length]))
  }
}

function attemptKey(event: TrellisEvent, attempt: number | null): string {
  return `${event.execution_id}\u0000${event.step ?? ''}\u0000${event.index ?? ''}\u0000${attempt ?? ''}`
}

function metric(
  out: string[],
  name: string,
  type: 'counter' | 'gauge',
  help: string,
  samples: readonly (readonly [string, number])[],
): void {
  out.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} ${type}`)
  for (const [labels, value] of samples) out.push(`${name}${labels === '' ? '' : `{${labels}}`} ${formatNumber(value)}`)
}

function formatNumber(n: number): string {
  return Number.isFinite(n) ? String(n) : n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN'
}
