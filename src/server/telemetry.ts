import { context, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api'
import type { AroundAttempt } from '../engine/index.js'
import type { EventBus, TrellisEvent } from '../events/index.js'
import type { Logger } from '../util/index.js'

/**
 * Operations from the engine's event bus, so the engine stays free of them: OpenTelemetry spans (one per
 * execution, one per attempt) and log lines with `execution_id`, `step` and `attempt`. Both see what this process
 * commits. Spans go through `@opentelemetry/api` only: nothing is exported unless the user registers an SDK
 * (for example with `node --import ./otel-setup.mjs $(npx which trellis) serve`).
 */

/** The tracer name spans are created under. */
export const TRACER_NAME = 'trellis'

/** Span attribute names. */
export const SPAN_ATTRIBUTES = {
  executionId: 'trellis.execution.id',
  step: 'trellis.step',
  attempt: 'trellis.attempt',
  index: 'trellis.index',
  outcome: 'trellis.outcome',
  errorCode: 'trellis.error.code',
} as const

/** Open spans kept at most; the oldest are ended (`trellis.outcome` = `unknown`) beyond that. */
const MAX_OPEN_SPANS = 50_000

/**
 * Starts a span when an execution starts (or resumes) and ends it at its terminal event; starts a child span at
 * each `step.started` and ends it when that attempt ends. Span times are the events' commit times. An execution
 * parked and released to another process keeps its span open here until it ends here, or until {@link close}.
 */
export class EngineTracing {
  readonly #tracer: Tracer
  readonly #executions = new Map<string, Span>()
  readonly #attempts = new Map<string, Span>()
  readonly #off: () => void

  constructor(bus: EventBus, tracer: Tracer = trace.getTracer(TRACER_NAME)) {
    this.#tracer = tracer
    this.#off = bus.onAny((event) => this.#on(event))
  }

  /**
   * Runs an attempt's body with the attempt's span current (give it to `engine.aroundAttempt`), so spans the action
   * makes, and the trace context it propagates, belong to the attempt. An attempt this process did not see start (a
   * worker claimed it from another process's decision) gets its span here; the end event of the decision that
   * follows ends it either way.
   */
  readonly aroundAttempt: AroundAttempt = (attempt, body) => {
    const key = spanKey(attempt.executionId, attempt.step, attempt.index, attempt.attempt)
    let span = this.#attempts.get(key)
    if (span === undefined) {
      span = this.#tracer.startSpan(`step ${attempt.step}`, {
        attributes: {
          [SPAN_ATTRIBUTES.executionId]: attempt.executionId,
          [SPAN_ATTRIBUTES.step]: attempt.step,
          [SPAN_ATTRIBUTES.attempt]: attempt.attempt,
          ...(attempt.index === null ? {} : { [SPAN_ATTRIBUTES.index]: attempt.index }),
        },
      })
      this.#remember(this.#attempts, key, span)
    }
    return context.with(trace.setSpan(context.active(), span), body)
  }

  /** Stops listening and ends every open span with outcome `interrupted`. */
  close(): void {
    this.#off()
    const at = Date.now()
    for (const span of this.#attempts.values()) endSpan(span, 'interrupted', at)
    for (const span of this.#executions.values()) endSpan(span, 'interrupted', at)
    this.#attempts.clear()
    this.#executions.clear()
  }

  #on(event: TrellisEvent): void {
    const at = Date.parse(event.at)
    switch (event.type) {
      case 'execution.started':
      case 'execution.resumed':
        this.#execution(event, at)
        break
      case 'execution.completed':
      case 'execution.failed':
      case 'execution.cancelled': {
        const span = this.#executions.get(event.execution_id)
        if (span === undefined) return
        this.#executions.delete(event.execution_id)
        const outcome = event.type.slice('execution.'.length)
        if (event.type === 'execution.failed') {
          span.setAttribute(SPAN_ATTRIBUTES.errorCode, event.data.error.code)
          span.setStatus({ code: SpanStatusCode.ERROR, message: event.data.error.message })
        }
        endSpan(span, outcome, at)
        break
      }
      case 'step.started': {
        const parent = this.#execution(event, at)
        const span = this.#tracer.startSpan(
          `step ${event.step ?? ''}`,
          {
            startTime: at,
            attributes: {
              [SPAN_ATTRIBUTES.executionId]: event.execution_id,
              [SPAN_ATTRIBUTES.step]: event.step ?? '',
              [SPAN_ATTRIBUTES.attempt]: event.attempt ?? 0,
              ...(event.index === null ? {} : { [SPAN_ATTRIBUTES.index]: event.index }),
            },
          },
          trace.setSpan(context.active(), parent),
        )
        this.#remember(this.#attempts, attemptKey(event), span)
        break
      }
      case 'step.completed':
        this.#attemptEnded(event, 'completed', null, at)
        break
      case 'step.retrying':
        this.#attemptEnded(event, 'retrying', event.data.error, at)
        break
      case 'step.failed':
        this.#attemptEnded(event, 'failed', event.data.error, at)
        break
      case 'step.cancelled':
        this.#attemptEnded(event, 'cancelled', null, at)
        break
      case 'execution.paused':
      case 'execution.suspended':
      case 'signal.received':
      case 'step.skipped':
      case 'step.waiting': {
        const span = this.#executions.get(event.execution_id)
        span?.addEvent(event.type, { [SPAN_ATTRIBUTES.step]: event.step ?? '' }, at)
        break
      }
    }
  }

  #execution(event: TrellisEvent, at: number): Span {
    const open = this.#executions.get(event.execution_id)
    if (open !== undefined) {
      if (event.type === 'execution.resumed') open.addEvent(event.type, {}, at)
      return open
    }
    const span = this.#tracer.startSpan(`execution ${event.execution_id}`, {
      startTime: at,
      attributes: { [SPAN_ATTRIBUTES.executionId]: event.execution_id },
    })
    this.#remember(this.#executions, event.execution_id, span)
    return span
  }

  #attemptEnded(
    event: TrellisEvent,
    outcome: string,
    error: { code: string; message: string } | null,
    at: number,
  ): void {
    if (event.attempt === null) return
    const key = attemptKey(event)
    const span = this.#attempts.get(key)
    if (span === undefined) return
    this.#attempts.delete(key)
    if (error !== null) {
      span.setAttribute(SPAN_ATTRIBUTES.errorCode, error.code)
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message })
    }
    endSpan(span, outcome, at)
  }

  #remember(map: Map<string, Span>, key: string, span: Span): void {
    if (map.size >= MAX_OPEN_SPANS) {
      const [oldKey, old] = map.entries().next().value!
      map.delete(oldKey)
      endSpan(old, 'unknown', Date.now())
    }
    map.set(key, span)
  }
}

function endSpan(span: Span, outcome: string, at: number): void {
  span.setAttribute(SPAN_ATTRIBUTES.outcome, outcome)
  span.end(at)
}

function attemptKey(event: TrellisEvent): string {
  return spanKey(event.execution_id, event.step ?? '', event.index, event.attempt)
}

function spanKey(executionId: string, step: string, index: number | null, attempt: number | null): string {
  return `${executionId}\u0000${step}\u0000${index ?? ''}\u0000${attempt ?? ''}`
}

/** Log levels of event lines: the ends of things at info, trouble at warn, the rest at debug. */
const EVENT_LEVEL: Readonly<Record<TrellisEvent['type'], 'debug' | 'info' | 'warn'>> = {
  'execution.started': 'info',
  'execution.completed': 'info',
  'execution.failed': 'warn',
  'execution.cancelled': 'info',
  'execution.paused': 'info',
  'execution.resumed': 'info',
  'execution.suspended': 'debug',
  'signal.received': 'info',
  'step.started': 'debug',
  'step.completed': 'debug',
  'step.retrying': 'warn',
  'step.failed': 'warn',
  'step.skipped': 'debug',
  'step.waiting': 'debug',
  'step.cancelled': 'debug',
}

/**
 * Writes one log line per event this process commits, with `execution_id`, `seq`, and `step`, `attempt` and
 * `index` when the event is about them; errors as `error_code` and `error`. Returns the unsubscribe function.
 */
export function logEvents(bus: EventBus, logger: Logger): () => void {
  return bus.onAny((event) => {
    const fields: Record<string, unknown> = { execution_id: event.execution_id, seq: event.seq }
    if (event.step !== null) fields.step = event.step
    if (event.attempt !== null) fields.attempt = event.attempt
    if (event.index !== null) fields.index = event.index
    const data = event.data as Record<string, unknown>
    const error = data.error as { code?: string; message?: string } | undefined
    if (error !== undefined) {
      fields.error_code = error.code
      fields.error = error.message
    }
    if (event.type === 'step.retrying') fields.delay_ms = event.data.delay_ms
    if (event.type === 'signal.received') fields.topic = event.data.topic
    if (event.type === 'step.waiting') fields.kind = event.data.kind
    logger[EVENT_LEVEL[event.type]](fields, event.type)
  })
}
