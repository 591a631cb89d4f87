import type pg from 'pg'

/** First wait before reconnecting a listening connection that dropped; doubles up to `MAX_RECONNECT_MS`. */
const FIRST_RECONNECT_MS = 100
const MAX_RECONNECT_MS = 5_000

/** What a ChangeListener needs. */
export interface ChangeListenerOptions {
  /** A new, unconnected client (the listener's own connection, outside the pool). */
  readonly createClient: () => pg.Client
  /** The channel every store of the schema notifies on. */
  readonly channel: string
  /** This store's id: notifications it sent itself (payloads starting with it) are not news to it. */
  readonly origin: string
  /** Listeners are called at least this often, notification or not (the safety net). */
  readonly pollMs: number
}

/**
 * Tells listeners that another store may have committed, through LISTEN/NOTIFY: while anyone listens, one dedicated
 * connection LISTENs on the schema's channel, on which every store notifies after its writes (ChangeNotifier; the
 * payload starts with the sender's origin, so a store's own writes are no news to it). A notification is a hint,
 * never the only way to learn of a change: listeners are also called every `pollMs` (real, unref'd timer), once the
 * LISTEN is in place (for whatever happened before it), and whenever the connection drops, which is then opened
 * again after a growing delay. So a lost notification delays, never loses. A burst of notifications calls each
 * listener once.
 */
export class ChangeListener {
  readonly #options: ChangeListenerOptions
  readonly #listeners = new Set<() => void>()
  #client: pg.Client | undefined
  #poll: NodeJS.Timeout | undefined
  #reconnect: NodeJS.Timeout | undefined
  #reconnectMs = FIRST_RECONNECT_MS
  #firing = false
  #closed = false

  constructor(options: ChangeListenerOptions) {
    this.#options = options
  }

  /** Adds a listener; returns its unsubscribe function. */
  subscribe(listener: () => void): () => void {
    if (this.#closed) return () => {}
    const entry = (): void => listener() // a distinct entry, so one function may subscribe twice
    this.#listeners.add(entry)
    if (this.#listeners.size === 1) this.#start()
    return () => {
      if (!this.#listeners.delete(entry)) return
      if (this.#listeners.size === 0) this.#stop()
    }
  }

  /** Stops listening and forgets every listener. */
  close(): void {
    this.#closed = true
    this.#listeners.clear()
    this.#stop()
  }

  #start(): void {
    this.#poll = setInterval(() => this.#fire(), this.#options.pollMs)
    this.#poll.unref()
    this.#reconnectMs = FIRST_RECONNECT_MS
    void this.#connect()
  }

  #stop(): void {
    clearInterval(this.#poll)
    clearTimeout(this.#reconnect)
    this.#poll = undefined
    this.#reconnect = undefined
    const client = this.#client
    this.#client = undefined
    if (client !== undefined) void client.end().catch(() => {})
  }

  async #connect(): Promise<void> {
    this.#reconnect = undefined
    if (this.#closed || this.#listeners.size === 0 || this.#client !== undefined) return
    const client = this.#options.createClient()
    this.#client = client
    client.on('notification', (message) => {
      if (message.channel !== this.#options.channel) return
      const origin = message.payload?.split(' ', 1)[0]
      if (origin !== this.#options.origin) this.#fire()
    })
    client.on('error', () => this.#lost(client))
    client.on('end', () => this.#lost(client))
    try {
      await client.connect()
      await client.query(`LISTEN "${this.#options.channel}"`)
    } catch {
      this.#lost(client)
      return
    }
    if (this.#client !== client) return // stopped meanwhile
    this.#reconnectMs = FIRST_RECONNECT_MS
    this.#fire() // whatever was committed before the LISTEN took effect
  }

  /** The listening connection failed or ended: drop it and, while anyone listens, open another later. */
  #lost(client: pg.Client): void {
    if (this.#client !== client) return
    this.#client = undefined
    void client.end().catch(() => {})
    if (this.#closed || this.#listeners.size === 0) return
    this.#fire() // notifications may be lost while it is down: let listeners look now, the poll goes on
    this.#reconnect = setTimeout(() => void this.#connect(), this.#reconnectMs)
    this.#reconnect.unref()
    this.#reconnectMs = Math.min(this.#reconnectMs * 2, MAX_RECONNECT_MS)
  }

  /** Calls every listener once, soon; calls asked for before it runs are merged into it. */
  #fire(): void {
    if (this.#firing) return
    this.#firing = true
    setImmediate(() => {
      this.#firing = false
      for (const listener of [...this.#listeners]) {
        try {
          listener()
        } catch (error) {
          // A listener must not stop the others, nor the listening; it is a bug, so make it visible.
          process.emitWarning(error instanceof Error ? error : new Error(String(error)))
        }
      }
    })
  }
}
