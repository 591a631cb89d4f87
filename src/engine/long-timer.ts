import type { Clock } from '../util/index.js'

/** The longest delay Node's `setTimeout` honours; a longer one fires after 1 ms (with a TimeoutOverflowWarning). */
export const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * `clock.setTimer` for any delay: one longer than `MAX_TIMER_MS` (about 24.8 days) is armed in steps, each
 * re-reading the clock, so a `sleep: 30d`, a `timeout: 30d` or a retention period of months fires when it is due
 * instead of at once. Returns the cancel function.
 */
export function setLongTimer(clock: Clock, ms: number, fn: () => void): () => void {
  const due = clock.now() + Math.max(0, ms)
  let cancel: () => void = () => {}
  const arm = (): void => {
    const left = due - clock.now()
    cancel = left > MAX_TIMER_MS ? clock.setTimer(MAX_TIMER_MS, arm) : clock.setTimer(Math.max(0, left), fn)
  }
  arm()
  return () => cancel()
}
