/** A stop request from the terminal or the system, while a command runs. */
export interface Interrupt {
  /** Aborted on the first of the watched signals; `reason` is the signal's name. */
  readonly signal: AbortSignal
  /** The signal that arrived, or null. */
  readonly received: NodeJS.Signals | null
  /** Stops watching. */
  dispose(): void
}

/**
 * Watches `signals` (SIGINT by default) for a command that must stop cleanly: the first one aborts `signal` so the
 * command closes its engine (attempts aborted, the execution left resumable); a second SIGINT exits at once
 * with 130, for when closing hangs.
 */
export function watchInterrupt(signals: readonly NodeJS.Signals[] = ['SIGINT']): Interrupt {
  const controller = new AbortController()
  let received: NodeJS.Signals | null = null
  const handlers = new Map<NodeJS.Signals, () => void>()
  for (const name of signals) {
    const handler = (): void => {
      if (received !== null) {
        if (name === 'SIGINT') {
          process.stderr.write('interrupted again: exiting at once\n')
          process.exit(130)
        }
        return
      }
      received = name
      controller.abort(name)
    }
    handlers.set(name, handler)
    process.on(name, handler)
  }
  return {
    signal: controller.signal,
    get received() {
      return received
    },
    dispose() {
      for (const [name, handler] of handlers) process.off(name, handler)
    },
  }
}

/**
 * Keeps the process alive while a command waits on something that holds no handle of its own (a suspended
 * execution's timers are unreferenced); returns the function that lets it go.
 */
export function keepAlive(): () => void {
  const timer = setInterval(() => {}, 1 << 30)
  return () => clearInterval(timer)
}
