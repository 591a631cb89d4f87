import { expect, it } from 'vitest'
import { SchemaTooNewError, type Store } from '../../../src/store/index.js'
import { latestVersion } from '../../../src/store/sql/index.js'
import { createWithAttempts, holder, newExecution, stepStarted } from '../../support/store-fixtures.js'
import { waitUntil } from '../../support/wait.js'
import type { ConformanceContext, SharedDatabase } from './context.js'

/** Tests of several stores on one database. Run only when the backend gives `shared`. */
export function sharingTests(ctx: ConformanceContext): void {
  async function openMany(count: number): Promise<{ db: SharedDatabase; stores: Store[] }> {
    const db = await ctx.shared!(ctx.clock)
    const stores = await Promise.all(Array.from({ length: count }, () => db.open()))
    return { db, stores }
  }

  it('migrates with many stores at once on a fresh database', async () => {
    const { stores } = await openMany(10)
    await Promise.all(stores.map((store) => store.migrate()))
    await stores[0]!.createExecution(newExecution('e1', ctx.clock.now()))
    expect(await stores[9]!.findExecution('e1')).toBeDefined()
  })

  it('refuses a database migrated by a newer Trellis with SchemaTooNewError', async () => {
    const db = await ctx.shared!(ctx.clock)
    const first = await db.open()
    await first.migrate()
    await db.execute(`INSERT INTO trellis_migrations (version, name, applied_at) VALUES (999, 'from-the-future', 0)`)

    const later = await db.open()
    const error = await later.migrate().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SchemaTooNewError)
    expect((error as Error).message).toBe(
      `The database at ${later.location} has schema version 999, but this trellis knows up to ${latestVersion()}. ` +
        'Upgrade trellis, or point --db at another database.',
    )
    await expect(first.migrate()).rejects.toThrow(SchemaTooNewError)
  })

  it("sees another store's commits, and hears of them through onExternalChange", async () => {
    const { stores } = await openMany(2)
    const [a, b] = stores as [Store, Store]
    await a.migrate()
    let heard = 0
    const unsubscribe = b.onExternalChange(() => heard++)

    await a.createExecution(newExecution('e1', ctx.clock.now()))
    const lease = (await a.acquire('e1', holder('h'), ctx.clock.now(), 1_000))!
    await a.commit(lease, { events: [stepStarted('s')] }, ctx.clock.now())

    expect((await b.readEvents('e1', 0, 10)).map((e) => e.seq)).toEqual([1])
    await waitUntil(() => heard > 0, { what: 'onExternalChange to fire for the other store’s commit' })
    unsubscribe()
  })

  it('close() lets operations under way finish: another store sees them committed', async () => {
    const { stores } = await openMany(2)
    const [a, b] = stores as [Store, Store]
    await a.migrate()
    await a.createExecution(newExecution('e1', ctx.clock.now()))
    const lease = (await a.acquire('e1', holder('h'), ctx.clock.now(), 60_000))!
    // Not awaited: close() is called while the commit and the release are queued or running.
    const committed = a.commit(lease, { events: [stepStarted('s')] }, ctx.clock.now())
    const released = committed
      .then(() => a.release(lease))
      .then(
        () => 'released',
        (error: unknown) => error,
      )
    const closed = a.close()
    await expect(committed).resolves.toHaveLength(1)
    await closed
    await expect(a.findExecution('e1')).rejects.toThrow(/closed/)
    expect((await b.readEvents('e1', 0, 10)).map((e) => e.type)).toEqual(['step.started'])
    // The release was asked for after close() began: refused, and the lease is still there.
    expect(String(await released)).toMatch(/closed/)
    expect((await b.findExecution('e1'))?.holder?.id).toBe('h')
  })

  it('creates one execution when stores create the same id at once', async () => {
    const { stores } = await openMany(3)
    await stores[0]!.migrate()
    const results = await Promise.all(
      stores.flatMap((store) => [1, 2, 3].map(() => store.createExecution(newExecution('same', ctx.clock.now())))),
    )
    expect(results.filter((r) => r.created)).toHaveLength(1)
    expect(await stores[1]!.listExecutions({})).toHaveLength(1)
  })

  it('stores claiming at once never get the same attempt', async () => {
    const { stores } = await openMany(4)
    await stores[0]!.migrate()
    for (let i = 0; i < 10; i++) {
      await createWithAttempts(stores[0]!, `e${i}`, ['a', 'b', 'c', 'd'], ctx.clock.now() + i)
    }

    const claimed = await Promise.all(
      stores.map(async (store, w) => {
        const keys: string[] = []
        for (;;) {
          const attempts = await store.claimAttempts(holder(`worker-${w}`), 3, ctx.clock.now(), 60_000)
          if (attempts.length === 0) return keys
          keys.push(...attempts.map((a) => `${a.executionId}/${a.step}`))
        }
      }),
    )
    const keys = claimed.flat()
    expect(keys).toHaveLength(40)
    expect(new Set(keys).size).toBe(40)
  })

  it('numbers events without gaps when stores commit and signal one execution at once', async () => {
    const { stores } = await openMany(3)
    const [holderStore, ...senders] = stores as [Store, Store, Store]
    await holderStore.migrate()
    await holderStore.createExecution(newExecution('e1', ctx.clock.now()))
    const lease = (await holderStore.acquire('e1', holder('h'), ctx.clock.now(), 60_000))!

    await Promise.all([
      ...Array.from({ length: 20 }, (_, i) =>
        holderStore.commit(lease, { events: [stepStarted(`s${i}`)] }, ctx.clock.now()),
      ),
      ...senders.flatMap((store) =>
        Array.from({ length: 20 }, (_, i) => store.appendSignal('e1', 'tick', i, ctx.clock.now())),
      ),
    ])
    const log = await holderStore.readEvents('e1', 0, 1_000)
    expect(log.map((e) => e.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1))
    expect((await holderStore.findExecution('e1'))?.inbox).toBe(40)
  })
}
