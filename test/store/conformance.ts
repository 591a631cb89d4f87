import { afterEach, beforeEach, describe } from 'vitest'
import type { Store } from '../../src/store/index.js'
import { FakeClock } from '../../src/testing/fake-clock.js'
import { attemptTests } from './conformance/attempts.js'
import { commitTests } from './conformance/commits.js'
import type { ConformanceContext, SharedDatabase } from './conformance/context.js'
import { executionTests } from './conformance/executions.js'
import { leaseTests } from './conformance/leases.js'
import { retentionTests } from './conformance/retention.js'
import { sharingTests } from './conformance/sharing.js'
import { signalTests } from './conformance/signals.js'

export type { SharedDatabase } from './conformance/context.js'

/** What a backend can offer besides `open`. */
export interface ConformanceOptions {
  /**
   * Creates a fresh database that several stores can open at once (a file, a schema), for the schema-version and
   * cross-store tests; its stores are closed and the database removed when the test finishes. Without it those
   * tests are skipped (SQLite `:memory:` databases are private to one store).
   */
  readonly shared?: (clock: FakeClock) => Promise<SharedDatabase>
}

/**
 * The one suite every Store backend must pass (SQLite now, PostgreSQL later): every method of the contract and
 * every rule it documents. `open` gives a store on a fresh, empty database; the suite migrates it.
 */
export function storeConformance(
  name: string,
  open: (clock: FakeClock) => Promise<Store>,
  options: ConformanceOptions = {},
): void {
  describe(`Store conformance: ${name}`, () => {
    let store: Store
    let clock: FakeClock
    beforeEach(async () => {
      clock = new FakeClock()
      store = await open(clock)
      await store.migrate()
    })
    afterEach(async () => {
      await store.close()
    })

    const ctx: ConformanceContext = {
      get store() {
        return store
      },
      get clock() {
        return clock
      },
      shared: options.shared,
    }
    describe('executions', () => executionTests(ctx))
    describe('leases', () => leaseTests(ctx))
    describe('commit', () => commitTests(ctx))
    describe('signals and requests', () => signalTests(ctx))
    describe('retention', () => retentionTests(ctx))
    describe('attempts handed to workers', () => attemptTests(ctx))
    describe.skipIf(options.shared === undefined)('several stores on one database', () => sharingTests(ctx))
  })
}
