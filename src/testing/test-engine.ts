import type { ActionRegistry } from '../actions/index.js'
import { Engine } from '../engine/index.js'
import type { EventType, TrellisEvent } from '../events/index.js'
import type { Store } from '../store/index.js'
import { openSqliteStore } from '../store/sqlite/index.js'
import type { Clock } from '../util/index.js'

/** An engine on a real store (SQLite `:memory:` unless given one) with a log of every event it commits. */
export interface TestEngine {
  readonly engine: Engine
  /** Every committed event, in order. */
  readonly events: TrellisEvent[]
  /** Resolves when an event matching `match` was committed (at once if it already was). */
  until(match: EventType | ((event: TrellisEvent) => boolean)): Promise<TrellisEvent>
  close(): Promise<void>
}

/** What `createTestEngine` accepts. */
export interface TestEngineOptions {
  clock?: Clock
  actions?: ActionRegistry
  /** @default () => 0.5 */
  random?: () => number
  leaseMs?: number
  /** A SQLite file instead of `:memory:`. */
  path?: string
  /**
   * The store to run on (any backend, e.g. a PostgreSQL store on a schema of the test's own), instead of opening a
   * SQLite one. It is migrated here; the caller keeps it and closes it (`close()` closes only the engine).
   */
  store?: Store
}

/**
 * Creates an engine for tests: a real store (SQLite `:memory:`, the `path` you give, or your `store`), the clock you
 * give (e.g. a FakeClock), random fixed at 0.5.
 */
export async function createTestEngine(options: TestEngineOptions = {}): Promise<TestEngine> {
  const owned = options.store === undefined
  const store = options.store ?? (await openSqliteStore({ path: options.path ?? ':memory:', clock: options.clock }))
  await store.migrate()
  const engine = new Engine({
    store,
    clock: options.clock,
    actions: options.actions,
    random: options.random ?? (() => 0.5),
    leaseMs: options.leaseMs,
  })
  const events: TrellisEvent[] = []
  const pending = new Set<{ match: (e: TrellisEvent) => boolean; resolve: (e: TrellisEvent) => void }>()
  engine.events.onAny((event) => {
    events.push(event)
    for (const p of pending) {
      if (p.match(event)) {
        pending.delete(p)
        p.resolve(event)
      }
    }
  })
  return {
    engine,
    events,
    until(match) {
      const fn = typeof match === 'string' ? (e: TrellisEvent) => e.type === match : match
      const found = events.find(fn)
      if (found !== undefined) return Promise.resolve(found)
      return new Promise((resolve) => pending.add({ match: fn, resolve }))
    },
    async close() {
      await engine.close()
      if (owned) await store.close()
    },
  }
}
