import type { Engine } from '../engine/index.js'
import { InvalidOptionError } from '../util/index.js'

/** Options of a worker loop around an engine. */
export interface WorkerOptions {
  /** Most executions this worker holds at once. @default 10 */
  readonly concurrency?: number
  /** Safety-net poll when no change notification arrives. @default 1_000 */
  readonly pollMs?: number
}

/** A running worker. */
export interface Worker {
  /** Resolves when the worker stopped. */
  readonly done: Promise<void>
  /** Stops claiming, aborts running attempts (they stay resumable) and releases every lease. */
  stop(): Promise<void>
}

/**
 * Claims executions nobody runs (new `start`ed ones, interrupted ones, due timers, unapplied signals) and runs
 * them until stopped. Woken by other processes' commits, by its one timer for the next due wake-up, and by a
 * slow poll as the safety net; never by scanning every execution.
 */
export function runWorker(engine: Engine, options: WorkerOptions = {}): Worker {
  const concurrency = options.concurrency ?? 10
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InvalidOptionError('--concurrency', `must be a whole number of at least 1; got ${concurrency}`)
  }
  const pollMs = options.pollMs ?? 1_000
  let stopped = false
  let claiming: Promise<void> | null = null
  let again = false
  let cancelTimer: (() => void) | null = null
  let finish: () => void = () => {}
  const done = new Promise<void>((resolve) => (finish = resolve))

  const claim = (): void => {
    if (stopped) return
    if (claiming !== null) {
      again = true
      return
    }
    claiming = (async () => {
      const free = concurrency - engine.held
      if (free > 0) await engine.claim(free)
      const next = await engine.nextUnheldWakeAt()
      cancelTimer?.()
      const delay = next === null ? pollMs : Math.min(pollMs, Math.max(0, next - engine.clock.now()))
      cancelTimer = engine.clock.setTimer(delay, claim)
    })()
      .catch((error: unknown) => engine.logger.warn({ err: error }, 'claiming failed; will try again'))
      .finally(() => {
        claiming = null
        if (again) {
          again = false
          claim()
        }
      })
  }

  engine.releaseParked = true
  engine.onCapacity = claim
  const unwatch = engine.store.onExternalChange(claim)
  claim()

  return {
    done,
    async stop() {
      if (stopped) return done
      stopped = true
      cancelTimer?.()
      unwatch()
      engine.onCapacity = null
      await claiming
      await engine.close()
      finish()
      return done
    },
  }
}
