/**
 * Sends the schema's change notification after this store's writes, one at a time: a write asks for one, and asks
 * made while one is on its way, or within `spacingMs` of its start, are merged into the next. So listeners hear of
 * every write, at most one round trip plus `spacingMs` after it committed, and a steady stream of writes costs at
 * most one notification per `spacingMs` (each is a round trip for this process), not one each. A lone write is
 * announced at once.
 *
 * Why not `pg_notify` inside each write transaction: PostgreSQL serializes the commits of every transaction that
 * notified (a database-wide lock held from the notify queue insert through the commit's WAL flush), which caps a
 * whole server at one commit per fsync (about 850 commits/s measured here, whatever the concurrency, against 3,700
 * without). Sent on its own, with `synchronous_commit` off (a notification needs no durability), the lock is held
 * for microseconds. If the process dies between a commit and its notification, listeners learn of the commit from
 * their slow poll: a notification is a hint, never the only way to learn of a change.
 */
/** Least time between the starts of two notifications of one store. */
const DEFAULT_SPACING_MS = 25

export class ChangeNotifier {
  readonly #send: () => Promise<void>
  readonly #spacingMs: number
  #asked = false
  #sending: Promise<void> | null = null
  #closed = false

  /**
   * `send` sends one notification; its failures are ignored (the listeners' poll covers them). The spacing is
   * real time on purpose (not the store's clock): it paces I/O, and a test on a fake clock must still be heard.
   */
  constructor(send: () => Promise<void>, spacingMs = DEFAULT_SPACING_MS) {
    this.#send = send
    this.#spacingMs = spacingMs
  }

  /** Something was committed: makes sure a notification goes out after it. */
  notify(): void {
    if (this.#closed) return
    this.#asked = true
    this.#sending ??= this.#drain()
  }

  /** Stops; resolves once the notification on its way (if any) is sent. */
  async close(): Promise<void> {
    this.#closed = true
    await this.#sending
  }

  async #drain(): Promise<void> {
    while (this.#asked && !this.#closed) {
      this.#asked = false
      const spaced = new Promise<void>((resolve) => setTimeout(resolve, this.#spacingMs))
      try {
        await this.#send()
      } catch {
        // The store is failing or closing; its own operations report that. The listeners' poll covers this one.
      }
      // Asks that come within the spacing of this send's start wait for its end, and merge into one.
      if (!this.#closed) await spaced
    }
    this.#sending = null
  }
}
