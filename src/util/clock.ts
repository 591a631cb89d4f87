/** The source of time for everything in Trellis; tests inject a fake one. Instants are epoch milliseconds. */
export interface Clock {
  now(): number
  /** Resolves after `ms`; rejects with the signal's reason when aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
  /** Calls `fn` after `ms` (any length) unless cancelled; returns the cancel function. The timer keeps the process alive. */
  setTimer(ms: number, fn: () => void): () => void
}

/** The longest delay Node's `setTimeout` honours. */
export const MAX_TIMER_MS = 2 ** 31 - 1

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error)
      const cancel = systemClock.setTimer(ms, done)
      function done(): void {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }
      function onAbort(): void {
        cancel()
        reject(signal?.reason as Error)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
    }),
  // Not unref'd: a process waiting for a retry delay or a sleep must stay alive. Owners cancel their timers on close.
  // setTimeout fires a delay over MAX_TIMER_MS (about 24.8 days) after 1 ms, so longer ones are armed in steps.
  setTimer: (ms, fn) => {
    const due = Date.now() + Math.max(0, ms)
    let timer: ReturnType<typeof setTimeout>
    const arm = (): void => {
      const left = due - Date.now()
      timer = left > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(fn, Math.max(0, left))
    }
    arm()
    return () => clearTimeout(timer)
  },
}
