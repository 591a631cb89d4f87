import type { EventType, TrellisEvent } from './types.js'

/** Where a failing subscriber is reported. */
export interface EventBusErrorSink {
  (error: unknown, event: TrellisEvent): void
}

/**
 * The in-process stream of committed events. Subscribers are called synchronously after the commit, in order;
 * one that throws is reported to `onError` with the event and never stops delivery to the others.
 */
export class EventBus {
  readonly #typed = new Map<EventType, Set<(event: TrellisEvent) => void>>()
  readonly #any = new Set<(event: TrellisEvent) => void>()
  readonly #onError: EventBusErrorSink

  constructor(onError: EventBusErrorSink = () => {}) {
    this.#onError = onError
  }

  /** Calls `handler` for every event of `type`; returns the unsubscribe function. */
  on<T extends EventType>(type: T, handler: (event: TrellisEvent<T>) => void): () => void {
    let set = this.#typed.get(type)
    if (set === undefined) this.#typed.set(type, (set = new Set()))
    const h = handler as (event: TrellisEvent) => void
    set.add(h)
    return () => set.delete(h)
  }

  /** Calls `handler` for every event; returns the unsubscribe function. */
  onAny(handler: (event: TrellisEvent) => void): () => void {
    this.#any.add(handler)
    return () => this.#any.delete(handler)
  }

  /** True when someone listens; lets the engine skip work nobody will see. */
  get hasSubscribers(): boolean {
    return this.#any.size > 0 || this.#typed.size > 0
  }

  /** Delivers committed events to every subscriber. */
  publish(events: readonly TrellisEvent[]): void {
    for (const event of events) {
      const typed = this.#typed.get(event.type)
      if (typed !== undefined) for (const handler of typed) this.#call(handler, event)
      for (const handler of this.#any) this.#call(handler, event)
    }
  }

  /**
   * An async iterator over events published from now on (optionally one execution's), until `signal` aborts
   * or the consumer stops. Buffers what the consumer has not taken yet.
   */
  async *stream(options: { executionId?: string; signal?: AbortSignal } = {}): AsyncGenerator<TrellisEvent> {
    const queue: TrellisEvent[] = []
    let wake: (() => void) | null = null
    const off = this.onAny((event) => {
      if (options.executionId !== undefined && event.execution_id !== options.executionId) return
      queue.push(event)
      wake?.()
    })
    const onAbort = (): void => wake?.()
    options.signal?.addEventListener('abort', onAbort)
    try {
      while (options.signal?.aborted !== true) {
        const next = queue.shift()
        if (next !== undefined) {
          yield next
          continue
        }
        await new Promise<void>((resolve) => (wake = resolve))
        wake = null
      }
    } finally {
      off()
      options.signal?.removeEventListener('abort', onAbort)
    }
  }

  [Symbol.asyncIterator](): AsyncGenerator<TrellisEvent> {
    return this.stream()
  }

  #call(handler: (event: TrellisEvent) => void, event: TrellisEvent): void {
    try {
      handler(event)
    } catch (error) {
      try {
        this.#onError(error, event)
      } catch {
        // A broken error sink must not stop delivery either.
      }
    }
  }
}
