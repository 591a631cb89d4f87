/**
 * Serializes write transactions. better-sqlite3 waits for a busy database synchronously (`busy_timeout` blocks the
 * thread), so two connections of ONE process on one file must never contend: the one waiting would block the very
 * thread that has to finish the other's transaction, and both would fail after the timeout. Every store of this
 * process on a file therefore shares one lock, taken before `BEGIN IMMEDIATE`; only other processes are left to
 * the busy timeout.
 */
export class WriteLock {
  #tail: Promise<unknown> = Promise.resolve()

  /** Runs `fn` once every earlier `run` of this lock has settled. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn)
    this.#tail = result.catch(() => undefined)
    return result
  }
}

/** A store's use of a lock; `release` when the store closes. */
export interface HeldWriteLock {
  readonly lock: WriteLock
  release(): void
}

const shared = new Map<string, { readonly lock: WriteLock; users: number }>()

/** A lock of the store's own, for a private `:memory:` database. */
export function privateWriteLock(): HeldWriteLock {
  return { lock: new WriteLock(), release() {} }
}

/** The lock every store of this process shares for `file` (a real path). */
export function sharedWriteLock(file: string): HeldWriteLock {
  let entry = shared.get(file)
  if (entry === undefined) {
    entry = { lock: new WriteLock(), users: 0 }
    shared.set(file, entry)
  }
  entry.users++
  const held = entry
  let released = false
  return {
    lock: held.lock,
    release() {
      if (released) return
      released = true
      if (--held.users === 0 && shared.get(file) === held) shared.delete(file)
    },
  }
}
