import { SHUTDOWN, type Engine } from '../engine/index.js'
import { attemptKeyString, type ClaimedAttempt } from '../store/index.js'
import { InvalidOptionError } from '../util/index.js'

/** Options of a worker loop around an engine. */
export interface WorkerOptions {
  /** Most attempts this worker runs at once. @default 10 */
  readonly concurrency?: number
  /** Safety-net poll when no change notification arrives. @default 1_000 */
  readonly pollMs?: number
}

/** A running worker. */
export interface Worker {
  /** Resolves when the worker stopped. */
  readonly done: Promise<void>
  /**
   * Stops claiming, lets running attempts finish for up to `graceMs` (default 0), then aborts the rest and releases
   * them, so other workers start them again at once instead of after their lease would have run out.
   */
  stop(options?: { graceMs?: number }): Promise<void>
}

/** Executions examined per pass for due decisions. */
const DUE_BATCH = 50
/** Due decisions a worker takes at once. */
const DUE_LANES = 4
/** Least time between two passes woken by other processes' commits. */
const NEWS_GAP_MS = 50
/** Least time between two checks of held attempts woken by other processes' commits (to find cancelled ones). */
const RENEW_GAP_MS = 250

interface Running {
  readonly attempt: ClaimedAttempt
  readonly controller: AbortController
}

/**
 * Runs detached executions with other workers (typescript-api.md, "Who runs an execution"). A worker does not hold
 * executions: it claims attempts (ready steps and iterations) and runs them, and it takes the decisions that are due
 * on executions nobody holds (new ones, timers, signals and operator requests, attempts whose worker died), each
 * atomic on its own execution (`Store.decideUnheld`: under the row lock, or on PostgreSQL fenced by the version it
 * was decided on). The decision after an attempt's end hands the attempts it starts to the same worker while it has
 * room, so a sequential workflow costs one write per step.
 *
 * Woken by other processes' commits, by one timer for the next due wake-up or lease expiry, and by a slow poll as the
 * safety net; never by scanning every execution. A heartbeat renews its attempts' leases; an attempt it no longer
 * holds (cancelled, or taken over after its lease ran out) is aborted here, and its end is never written.
 */
export function runWorker(engine: Engine, options: WorkerOptions = {}): Worker {
  const concurrency = options.concurrency ?? 10
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InvalidOptionError('--concurrency', `must be a whole number of at least 1; got ${concurrency}`)
  }
  const pollMs = options.pollMs ?? 1_000
  const { store, clock, logger } = engine
  const running = new Map<string, Running>()
  const settled = new Set<() => void>()
  /** Decisions after attempts' ends under way (stop waits for them). */
  const completing = new Set<Promise<unknown>>()
  let stopped = false
  let passing: Promise<void> | null = null
  let again = false
  let cancelTimer: (() => void) | null = null
  let cancelBeat: (() => void) | null = null
  let renewing: Promise<void> | null = null
  let renewAgain = false
  let extendAgain = false
  let finish: () => void = () => {}
  const done = new Promise<void>((resolve) => (finish = resolve))

  /** Slots promised to decisions under way that may hand this worker attempts. */
  let reserved = 0
  const free = (): number => Math.max(0, concurrency - running.size - reserved)

  /** Runs `decide` with up to `free()` slots reserved for the attempts it hands over, then starts those. */
  const withSlots = async (
    decide: (take: number) => Promise<Awaited<ReturnType<Engine['decideUnheld']>>>,
  ): Promise<void> => {
    const take = stopped ? 0 : free()
    reserved += take
    let result: Awaited<ReturnType<Engine['decideUnheld']>>
    try {
      result = await decide(take)
    } finally {
      reserved -= take
    }
    if (result.outcome === 'decided') start(result.taken)
  }

  /** One pass: due decisions first (they may hand attempts to this worker), then claims, then the next wake-up. */
  const pass = (): void => {
    if (stopped) return
    if (passing !== null) {
      again = true
      return
    }
    passing = (async () => {
      // Due decisions run side by side (a few at a time): each is one short transaction on its own execution.
      // New executions only while this worker has room: a full one leaves them to others, and the attempts its
      // running executions start next stay with it (handed over with the decision, their state in its memory).
      const room = free()
      const limit = room > 0 ? Math.min(room, DUE_BATCH) : DUE_BATCH
      const due = await store.findDue({ now: clock.now(), limit, isGone: engine.isGone, startNew: room > 0 })
      if (due.length === limit) again = true // more may be due: another pass after this one
      let cursor = 0
      const lane = async (): Promise<void> => {
        while (cursor < due.length && !stopped) {
          const id = due[cursor++]!
          await withSlots((take) => engine.decideUnheld(id, 'due', { take }))
        }
      }
      await Promise.all(Array.from({ length: Math.min(DUE_LANES, due.length) }, lane))
      const left = free()
      if (!stopped && left > 0) {
        const claimed = await store.claimAttempts(engine.holder, left, clock.now(), engine.leaseMs)
        start(claimed)
      }
      const [wake, expiry] = await Promise.all([engine.nextUnheldWakeAt(), store.nextAttemptExpiry(engine.holder.id)])
      const next = [wake, expiry].filter((at): at is number => at !== null).reduce((a, b) => Math.min(a, b), Infinity)
      cancelTimer?.()
      cancelTimer = stopped ? null : clock.setTimer(Math.min(pollMs, Math.max(0, next - clock.now())), pass)
    })()
      .catch((error: unknown) => logger.warn({ err: error }, 'a worker pass failed; will try again'))
      .finally(() => {
        passing = null
        if (again) {
          again = false
          pass()
        }
      })
  }

  const start = (attempts: readonly ClaimedAttempt[]): void => {
    for (const attempt of attempts) {
      const key = attemptKeyString(attempt)
      const controller = new AbortController()
      running.set(key, { attempt, controller })
      void engine
        .performClaimed(attempt, controller)
        .then(async (outcome) => {
          // Let the event loop breathe between attempts (see ExecutionRunner): heartbeats and claims go on.
          await new Promise<void>((resolve) => setImmediate(resolve))
          if (running.get(key)?.controller !== controller) return // taken away by the heartbeat
          if (outcome === null) return // stopping: released by stop()
          running.delete(key)
          const deciding = engine.decideUnheld(
            attempt.executionId,
            {
              kind: 'attempt-ended',
              step: attempt.step,
              index: attempt.index,
              attempt: attempt.attempt,
              outcome,
            },
            { ended: attempt, take: stopped ? 0 : free() },
          )
          completing.add(deciding)
          const result = await deciding.finally(() => completing.delete(deciding))
          if (result.outcome === 'decided') start(result.taken)
          else if (result.outcome === 'lease-lost' || result.outcome === 'held') {
            leaseLost(attempt, 'its end was not recorded')
          }
        })
        .catch((error: unknown) => {
          running.delete(key)
          logger.error(
            { err: error, execution_id: attempt.executionId, step: attempt.step, attempt: attempt.attempt },
            'could not record the end of an attempt; its lease will run out and it will start again',
          )
        })
        .finally(() => {
          for (const wake of settled) wake()
          if (free() > 0) throttled(passGate, NEWS_GAP_MS, pass)
        })
    }
  }

  const leaseLost = (attempt: ClaimedAttempt, what: string): void => {
    logger.warn(
      {
        code: 'LEASE_LOST',
        execution_id: attempt.executionId,
        step: attempt.step,
        index: attempt.index,
        attempt: attempt.attempt,
      },
      `LEASE_LOST: attempt ${attempt.attempt} of step "${attempt.step}" of execution ${attempt.executionId} is no ` +
        `longer this worker's (cancelled, or started again elsewhere after its lease ran out); ${what}`,
    )
  }

  /**
   * Checks which attempts this worker still holds and aborts the others (cancelled, or taken over); with `extend`
   * (the heartbeat) also renews their leases. A check woken by other processes' commits only reads, so it never
   * waits for, nor holds, the locks of the attempt rows that decisions are writing. Asked again while running: once
   * more after (extending if either asked to).
   */
  const renew = (extend: boolean): Promise<void> => {
    if (renewing !== null) {
      renewAgain = true
      extendAgain ||= extend
      return renewing
    }
    renewing = (async () => {
      if (running.size === 0) return
      // Only attempts running before the check began can be judged by it: one handed over meanwhile may have
      // been committed after the check read the table.
      const before = [...running.entries()]
      const held = extend
        ? await store.renewAttempts(engine.holder.id, clock.now(), engine.leaseMs)
        : await store.heldAttempts(engine.holder.id)
      const tokens = new Map(held.map((a) => [attemptKeyString(a), a.token]))
      for (const [key, entry] of before) {
        const { attempt, controller } = entry
        if (running.get(key) !== entry || tokens.get(key) === attempt.token) continue
        running.delete(key)
        controller.abort({ code: 'CANCELLED', message: 'The attempt is no longer this worker’s.' })
        leaseLost(attempt, 'it was stopped here')
      }
    })()
      .catch((error: unknown) => logger.warn({ err: error }, 'lease renewal failed; will try again'))
      .finally(() => {
        renewing = null
        if (renewAgain) {
          const extendNext = extendAgain
          renewAgain = false
          extendAgain = false
          void renew(extendNext)
        }
      })
    return renewing
  }

  const beat = (): void => {
    cancelBeat = clock.setTimer(
      Math.floor(engine.leaseMs / 3),
      () => void renew(true).finally(() => !stopped && beat()),
    )
  }

  /**
   * Another process committed: maybe new work, maybe one of our attempts was cancelled. Every commit of every worker
   * notifies all the others, so under load these come hundreds of times a second: the first starts a pass (and a
   * check of the attempts it holds, which finds cancelled ones) at once; more within NEWS_GAP_MS (RENEW_GAP_MS)
   * make one more after it.
   */
  const onChange = (): void => {
    throttled(passGate, NEWS_GAP_MS, pass)
    if (running.size > 0) throttled(renewGate, RENEW_GAP_MS, () => void renew(false))
  }

  const passGate = { last: -Infinity, cancel: null as (() => void) | null }
  const renewGate = { last: -Infinity, cancel: null as (() => void) | null }
  const throttled = (gate: typeof passGate, gapMs: number, fn: () => void): void => {
    if (stopped || gate.cancel !== null) return
    const wait = gate.last + gapMs - clock.now()
    const run = (): void => {
      gate.cancel = null
      gate.last = clock.now()
      fn()
    }
    if (wait <= 0) run()
    else gate.cancel = clock.setTimer(wait, run)
  }

  // This process made work for workers (a child execution): look for it at once.
  engine.onCapacity = pass
  const unwatch = store.onExternalChange(onChange)
  beat()
  pass()

  return {
    done,
    async stop(stopOptions = {}) {
      if (stopped) return done
      stopped = true
      cancelTimer?.()
      passGate.cancel?.()
      renewGate.cancel?.()
      unwatch()
      engine.onCapacity = null
      await passing
      const graceMs = stopOptions.graceMs ?? 0
      if (running.size > 0 && graceMs > 0) {
        await new Promise<void>((resolve) => {
          const check = (): void => {
            if (running.size > 0) return
            settled.delete(check)
            cancel()
            resolve()
          }
          const cancel = clock.setTimer(graceMs, () => {
            settled.delete(check)
            resolve()
          })
          settled.add(check)
          check()
        })
      }
      cancelBeat?.()
      const left = [...running.values()]
      for (const { controller } of left) controller.abort(SHUTDOWN)
      if (left.length > 0) {
        await store
          .releaseAttempts(
            engine.holder.id,
            clock.now(),
            left.map((r) => r.attempt),
          )
          .catch((error: unknown) =>
            logger.warn({ err: error }, 'could not release attempts; their leases will expire'),
          )
      }
      running.clear()
      await Promise.allSettled([...completing])
      await engine.close()
      finish()
      return done
    },
  }
}
