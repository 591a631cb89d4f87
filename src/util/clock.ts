/** The source of time for everything in Trellis; tests inject a fake one. Instants are epoch milliseconds. */
export interface Clock {
  now(): number
  /** Resolves after `ms`; rejects with the signal's reason when aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
  /** Calls `fn` after `ms` unless cancelled; returns the cancel function. The timer keeps the process alive. */
  setTimer(ms: number, fn: () => void): () => void
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error)
      const timer = setTimeout(done, Math.max(0, ms))
      function done(): void {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }
      function onAbort(): void {
        clearTimeout(timer)
        reject(signal?.reason as Error)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
    }),
  // Not unref'd: a process waiting for a retry delay or a sleep must stay alive. Owners cancel their timers on close.
  setTimer: (ms, fn) => {
    const timer = setTimeout(fn, Math.max(0, ms))
    return () => clearTimeout(timer)
  },
}
