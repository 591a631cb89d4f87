/** How often `PRAGMA data_version` is read while someone listens. */
export const CHANGE_POLL_MS = 20

/**
 * Tells listeners that another connection committed: while at least one listener exists, reads
 * `PRAGMA data_version` on the store's own connection every `CHANGE_POLL_MS` on a real, unref'd timer (the value
 * changes only for commits by other connections, so the store's own writes never wake it). One read costs about a
 * microsecond.
 */
export class ChangeWatcher {
  readonly #readVersion: () => number
  readonly #listeners = new Set<() => void>()
  #timer: NodeJS.Timeout | undefined
  #version = 0

  constructor(readVersion: () => number) {
    this.#readVersion = readVersion
  }

  /** Adds a listener; returns its unsubscribe function. */
  subscribe(listener: () => void): () => void {
    const entry = (): void => listener() // a distinct entry, so one function may subscribe twice
    this.#listeners.add(entry)
    if (this.#timer === undefined) {
      this.#version = this.#readVersion()
      this.#timer = setInterval(() => this.#check(), CHANGE_POLL_MS)
      this.#timer.unref()
    }
    return () => {
      this.#listeners.delete(entry)
      if (this.#listeners.size === 0) this.#stop()
    }
  }

  /** Stops polling and forgets every listener. */
  close(): void {
    this.#listeners.clear()
    this.#stop()
  }

  #stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  #check(): void {
    const version = this.#readVersion()
    if (version === this.#version) return
    this.#version = version
    for (const listener of [...this.#listeners]) {
      try {
        listener()
      } catch (error) {
        // A listener must not stop the others, nor the timer; it is a bug, so make it visible.
        process.emitWarning(error instanceof Error ? error : new Error(String(error)))
      }
    }
  }
}
