import { InvalidOptionError, type Clock, type Logger } from '../util/index.js'

/** Periodic retention (execution-model.md guarantee 9), as `EngineOptions.retention`. */
export interface RetentionOptions {
  /** Executions that ended longer ago than this are deleted, with their events, signals and children. */
  readonly olderThanMs: number
  /** How often to delete; the first pass runs at once. @default olderThanMs, at most 1 hour and at least 1 second */
  readonly everyMs?: number
}

/** A running retention loop. */
export interface Retention {
  /** Stops the loop; resolves once a pass that was running has ended. */
  stop(): Promise<void>
}

const HOUR = 3_600_000

/** Checks the options and applies the default period. Throws InvalidOptionError. */
export function resolveRetention(options: RetentionOptions): Required<RetentionOptions> {
  const { olderThanMs } = options
  if (!Number.isFinite(olderThanMs) || olderThanMs < 0) {
    throw new InvalidOptionError('retention.olderThanMs', `must be a duration of 0 ms or more; got ${olderThanMs}`)
  }
  const everyMs = options.everyMs ?? Math.max(1_000, Math.min(olderThanMs, HOUR))
  if (!Number.isFinite(everyMs) || everyMs < 100) {
    throw new InvalidOptionError('retention.everyMs', `must be at least 100 ms; got ${everyMs}`)
  }
  return { olderThanMs, everyMs }
}

/**
 * Every `everyMs` on the engine's clock (first at once), deletes the executions that ended more than `olderThanMs`
 * before the clock's now. One timer; a pass never overlaps the next (the next is armed when one ends). A failing
 * pass is logged and the loop goes on.
 */
export function startRetention(
  host: { readonly clock: Clock; readonly logger: Logger; gc(cutoff: number): Promise<number> },
  options: RetentionOptions,
): Retention {
  const { olderThanMs, everyMs } = resolveRetention(options)
  let stopped = false
  let cancel: () => void = () => {}
  let running: Promise<void> | null = null
  const pass = (): void => {
    running = host
      .gc(host.clock.now() - olderThanMs)
      .then(
        (deleted) => {
          if (deleted > 0) host.logger.info({ deleted, older_than_ms: olderThanMs }, 'retention: deleted executions')
        },
        (error: unknown) => host.logger.warn({ err: error }, 'retention pass failed; will try again'),
      )
      .finally(() => {
        running = null
        if (!stopped) cancel = host.clock.setTimer(everyMs, pass)
      })
  }
  cancel = host.clock.setTimer(0, pass)
  return {
    async stop() {
      stopped = true
      cancel()
      await running
    },
  }
}
