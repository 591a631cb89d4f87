import { TERMINAL_EVENT_TYPES, type EventBus, type TrellisEvent } from '../events/index.js'
import { isTerminalStatus, type ExecutionStatus, type Store } from '../store/index.js'
import type { Logger } from '../util/index.js'

/**
 * Following the event log live, for the SSE routes. Events are always read from the store by `seq` (never taken
 * from a notification), so nothing is missed or sent twice whoever committed them: notifications only say when
 * to read. In-process commits ring through the engine's bus; other processes' through `store.onExternalChange`
 * (SQLite `data_version`, PostgreSQL `LISTEN/NOTIFY`); a slow poll is the safety net.
 */

const PAGE = 500
/** Safety net under the notifications (and how often a follower notices its execution was deleted). */
const POLL_MS = 5_000

/** A doorbell: `ring` from notifications, `wait` in the reading loop. A ring while reading is not lost. */
export class Doorbell {
  #rung = false
  #wake: (() => void) | null = null

  ring(): void {
    this.#rung = true
    const wake = this.#wake
    this.#wake = null
    wake?.()
  }

  /** Forget rings so far: call before reading, so a ring during the read means "read again". */
  clear(): void {
    this.#rung = false
  }

  /** Resolves at the next ring (at once if one came since `clear`), or after `ms`; true when it was a ring. */
  wait(ms: number): Promise<boolean> {
    if (this.#rung) return Promise.resolve(true)
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = null
        resolve(false)
      }, ms)
      this.#wake = () => {
        clearTimeout(timer)
        resolve(true)
      }
    })
  }
}

/** Where events come from. */
export interface EventSources {
  readonly store: Store
  readonly bus: EventBus
}

/** How a followed log ended. */
export type FollowEnd =
  | { readonly reason: 'ended'; readonly status: ExecutionStatus; readonly lastSeq: number }
  | { readonly reason: 'gone' | 'aborted' }

/**
 * Yields one execution's events with `seq > after`, in order, live, until the execution is terminal: after its
 * terminal event (or at once, when it ended at or before `after`). Returns how it ended.
 */
export async function* followExecution(
  sources: EventSources,
  executionId: string,
  after: number,
  signal: AbortSignal,
): AsyncGenerator<TrellisEvent, FollowEnd> {
  const bell = new Doorbell()
  const offBus = sources.bus.onAny((event) => {
    if (event.execution_id === executionId) bell.ring()
  })
  const offStore = sources.store.onExternalChange(() => bell.ring())
  const onAbort = (): void => bell.ring()
  signal.addEventListener('abort', onAbort)
  let last = after
  // Check the row on the first pass (it may have ended already) and after a quiet poll (it may have been deleted).
  let checkRow = true
  // The status of the last event sent when it is terminal (a retry's `execution.resumed` after it clears it).
  let ended: ExecutionStatus | null = null
  try {
    for (;;) {
      if (signal.aborted) return { reason: 'aborted' }
      bell.clear()
      const page = await sources.store.readEvents(executionId, last, PAGE)
      for (const event of page) {
        yield event
        last = event.seq
        if (signal.aborted) return { reason: 'aborted' }
        ended = TERMINAL_EVENT_TYPES.has(event.type) ? statusOfTerminal(event) : null
      }
      if (page.length === PAGE) continue
      // execution-model.md guarantee 2: the terminal event comes after every other event of its run.
      if (ended !== null) return { reason: 'ended', status: ended, lastSeq: last }
      if (checkRow) {
        checkRow = false
        const record = await sources.store.findExecution(executionId)
        if (record === undefined) return { reason: 'gone' }
        if (record.lastSeq > last) continue
        if (isTerminalStatus(record.status)) return { reason: 'ended', status: record.status, lastSeq: last }
      }
      if (!(await bell.wait(POLL_MS))) checkRow = true
    }
  } finally {
    offBus()
    offStore()
    signal.removeEventListener('abort', onAbort)
  }
}

function statusOfTerminal(event: TrellisEvent): ExecutionStatus {
  return event.type === 'execution.completed' ? 'completed' : event.type === 'execution.failed' ? 'failed' : 'cancelled'
}

/** Options of {@link AllEventsFeed}. */
export interface AllEventsFeedOptions extends EventSources {
  readonly logger: Logger
  /** Least time between two scans for other processes' executions. @default 250 */
  readonly scanIntervalMs?: number
  /** @default Date.now */
  readonly now?: () => number
}

const NON_TERMINAL: readonly ExecutionStatus[] = ['pending', 'running', 'suspended', 'paused']
/** How many ended executions' cursors are kept (a retried one then goes on from where it was). */
const ENDED_KEPT = 10_000

/**
 * Every execution's events, live, for `GET /api/stream`: one reader shared by all its subscribers, running only
 * while there are some. Each execution's events arrive in `seq` order, each once. Executions of this process are
 * followed from the bus at once; other processes' are found by a scan of the executions that have not ended
 * (plus the newest ones) when the store reports an external change, at most every `scanIntervalMs`.
 */
export class AllEventsFeed {
  readonly #sources: EventSources
  readonly #logger: Logger
  readonly #scanIntervalMs: number
  readonly #now: () => number
  readonly #subscribers = new Set<(event: TrellisEvent) => void>()
  /** Last seq delivered, per execution. */
  readonly #cursors = new Map<string, number>()
  /** Executions seen not ended: read again at every scan, so their last events are not missed. */
  readonly #active = new Set<string>()
  readonly #ended = new Set<string>()
  readonly #dirty = new Set<string>()
  #since = 0
  #scanWanted = false
  #lastScan = 0
  #scanTimer: ReturnType<typeof setTimeout> | null = null
  #pumping: Promise<void> | null = null
  #again = false
  #off: (() => void)[] = []

  constructor(options: AllEventsFeedOptions) {
    this.#sources = options
    this.#logger = options.logger
    this.#scanIntervalMs = options.scanIntervalMs ?? 250
    this.#now = options.now ?? Date.now
  }

  /** Calls `listener` with every event committed from now on; returns the unsubscribe function. */
  subscribe(listener: (event: TrellisEvent) => void): () => void {
    this.#subscribers.add(listener)
    if (this.#subscribers.size === 1) this.#start()
    return () => {
      this.#subscribers.delete(listener)
      if (this.#subscribers.size === 0) this.#stop()
    }
  }

  /** Resolves when nothing is being read (for tests). */
  async idle(): Promise<void> {
    while (this.#pumping !== null) await this.#pumping
  }

  #start(): void {
    this.#since = this.#now()
    this.#cursors.clear()
    this.#active.clear()
    this.#ended.clear()
    this.#off = [
      this.#sources.bus.onAny((event) => {
        const id = event.execution_id
        // First sight of an execution from this process: from its start, or from just before this event.
        if (!this.#cursors.has(id)) this.#cursors.set(id, event.type === 'execution.started' ? 0 : event.seq - 1)
        this.#dirty.add(id)
        this.#kick()
      }),
      this.#sources.store.onExternalChange(() => {
        this.#scanWanted = true
        this.#kick()
      }),
    ]
    // Executions already running elsewhere are followed from their current end.
    this.#scanWanted = true
    this.#kick()
  }

  #stop(): void {
    for (const off of this.#off) off()
    this.#off = []
    if (this.#scanTimer !== null) clearTimeout(this.#scanTimer)
    this.#scanTimer = null
    this.#dirty.clear()
  }

  #kick(): void {
    if (this.#pumping !== null) {
      this.#again = true
      return
    }
    this.#pumping = this.#pump()
      .catch((error: unknown) => this.#logger.warn({ err: error }, 'event stream: reading events failed'))
      .finally(() => {
        this.#pumping = null
        if (this.#again && this.#subscribers.size > 0) {
          this.#again = false
          this.#kick()
        }
      })
  }

  async #pump(): Promise<void> {
    while (this.#subscribers.size > 0) {
      if (this.#scanWanted) {
        const wait = this.#lastScan + this.#scanIntervalMs - this.#now()
        if (wait <= 0) {
          this.#scanWanted = false
          this.#lastScan = this.#now()
          await this.#scan()
        } else if (this.#scanTimer === null) {
          this.#scanTimer = setTimeout(() => {
            this.#scanTimer = null
            this.#kick()
          }, wait)
        }
      }
      if (this.#dirty.size === 0) return
      const ids = [...this.#dirty]
      this.#dirty.clear()
      for (const id of ids) await this.#drain(id)
    }
  }

  /** Marks every execution that may have news from another process. */
  async #scan(): Promise<void> {
    const store = this.#sources.store
    const lists = await Promise.all([
      ...NON_TERMINAL.map((status) => store.listExecutions({ status, limit: 500 })),
      store.listExecutions({ limit: 50 }),
    ])
    for (const id of this.#active) this.#dirty.add(id)
    for (const summary of lists.flat()) {
      const id = summary.id
      if (!this.#cursors.has(id)) {
        if (summary.createdAt >= this.#since) this.#cursors.set(id, 0)
        else {
          // Older than this feed: follow it from its current end (history is for the REST routes).
          const record = await store.findExecution(id)
          if (record === undefined) continue
          this.#cursors.set(id, record.lastSeq)
          if (isTerminalStatus(record.status)) continue
        }
      }
      this.#dirty.add(id)
    }
  }

  async #drain(id: string): Promise<void> {
    let cursor = this.#cursors.get(id) ?? 0
    for (;;) {
      const page = await this.#sources.store.readEvents(id, cursor, PAGE)
      for (const event of page) {
        cursor = event.seq
        this.#cursors.set(id, cursor)
        if (TERMINAL_EVENT_TYPES.has(event.type)) this.#markEnded(id)
        else if (event.type === 'execution.started' || event.type === 'execution.resumed') this.#markActive(id)
        for (const listener of this.#subscribers) listener(event)
      }
      if (page.length < PAGE) break
    }
    if (!this.#ended.has(id)) this.#active.add(id)
  }

  #markActive(id: string): void {
    this.#ended.delete(id)
    this.#active.add(id)
  }

  #markEnded(id: string): void {
    this.#active.delete(id)
    this.#ended.add(id)
    if (this.#ended.size > ENDED_KEPT) {
      // Forget the oldest ended executions (Set keeps insertion order).
      for (const old of this.#ended) {
        this.#ended.delete(old)
        this.#cursors.delete(old)
        if (this.#ended.size <= ENDED_KEPT * 0.9) break
      }
    }
  }
}
