import type { Store } from '../../../src/store/index.js'
import type { FakeClock } from '../../../src/testing/fake-clock.js'

/** A database several stores can open at once. */
export interface SharedDatabase {
  /** Opens another store on it (not migrated). */
  open(): Promise<Store>
  /** Runs SQL on it directly, to plant what the Store API cannot write (a ledger row from the future). */
  execute(sqlText: string): Promise<void>
}

/** What each part of the conformance suite reads: the current test's store and clock. */
export interface ConformanceContext {
  /** A migrated store on a fresh database, new for each test. */
  readonly store: Store
  readonly clock: FakeClock
  readonly shared: ((clock: FakeClock) => Promise<SharedDatabase>) | undefined
}
