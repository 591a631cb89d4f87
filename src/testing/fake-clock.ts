import type { Clock } from '../util/index.js'

interface PendingTimer {
  readonly at: number
  readonly seq: number
  readonly fire: () => void
}

/**
 * A clock that moves only when told to. `advance(ms)` fires every timer and sleep due in that span, in order,
 * letting promise callbacks run between them, so tests of retries, sleeps and leases need no real waiting.
 */
export class FakeClock implements Clock {
  #now: number
  #seq = 0
  #timers: PendingTimer[] = []

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start
  }

  now(): number {
    return this.#now
  }

  /** Number of timers and sleeps waiting to fire. */
  get pendingTimers(): number {
    return this.#timers.length
  }

  setTimer(ms: number, fn: () => void): () => void {
    const timer: PendingTimer = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fire: fn }
    this.#timers.push(timer)
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer)
    }
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error)
      const cancel = this.setTimer(ms, () => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      })
      const onAbort = (): void => {
        cancel()
        reject(signal?.reason as Error)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** Moves time forward by `ms`, firing due timers in order and settling promises between them. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms
    for (;;) {
      await settle()
      const next = this.#timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0]
      if (next === undefined) break
      this.#timers = this.#timers.filter((t) => t !== next)
      this.#now = Math.max(this.#now, next.at)
      next.fire()
    }
    this.#now = target
    await settle()
  }

  /** Sets the time without firing timers (for clock-skew tests). */
  set(now: number): void {
    this.#now = now
  }
}

/** Lets pending promise callbacks and I/O callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}
