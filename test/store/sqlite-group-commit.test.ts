import BetterSqlite3 from 'better-sqlite3'
import { describe, expect, it, onTestFinished } from 'vitest'
import { InternalError } from '../../src/util/index.js'
import { LeaseLostError, type Lease, type Store } from '../../src/store/index.js'
import { openSqliteStore } from '../../src/store/sqlite/index.js'
import { GroupCommit } from '../../src/store/sqlite/group-commit.js'
import { FakeClock } from '../../src/testing/fake-clock.js'
import { holder, newExecution, stepCompleted, stepRecord, stepStarted } from '../support/store-fixtures.js'
import { tempDbFile } from '../support/temp.js'

/**
 * A GroupCommit on its own connection to a migrated file, with executions e1 … eN created and held by "h" (through a
 * store on the same file). `transactions` counts the batches it ran.
 */
async function setup(executions: number): Promise<{
  group: GroupCommit
  store: Store
  leases: Lease[]
  transactions: () => number
  clock: FakeClock
}> {
  const path = tempDbFile()
  const clock = new FakeClock()
  const store = await openSqliteStore({ path, clock })
  onTestFinished(() => store.close())
  await store.migrate()
  const leases: Lease[] = []
  for (let i = 1; i <= executions; i++) {
    await store.createExecution(newExecution(`e${i}`, clock.now()))
    leases.push((await store.acquire(`e${i}`, holder('h'), clock.now(), 60_000))!)
  }
  const raw = new BetterSqlite3(path)
  raw.pragma('busy_timeout = 5000')
  onTestFinished(() => void raw.close())
  let transactions = 0
  const group = new GroupCommit({
    raw,
    exclusive: async (fn) => {
      transactions++
      fn()
    },
    storeError: (error) => error,
  })
  return { group, store, leases, transactions: () => transactions, clock }
}

describe('SQLite group commit', () => {
  it('commits the commits of several executions made in one tick in one transaction, each numbered on its own', async () => {
    const { group, store, leases, transactions, clock } = await setup(3)
    const now = clock.now()
    const results = await Promise.all(
      leases.map((lease) =>
        group.commit(
          lease,
          { steps: [stepRecord('a')], events: [stepStarted('a'), stepCompleted('a', lease.executionId)] },
          now,
        ),
      ),
    )
    expect(transactions()).toBe(1)
    for (const [i, events] of results.entries()) {
      expect(events.map((e) => [e.execution_id, e.seq, e.type])).toEqual([
        [`e${i + 1}`, 1, 'step.started'],
        [`e${i + 1}`, 2, 'step.completed'],
      ])
      // Committed when the promise resolved: another connection reads it.
      expect(await store.readEvents(`e${i + 1}`, 0, 10)).toEqual(events)
      expect((await store.readSteps(`e${i + 1}`)).steps.map((s) => s.name)).toEqual(['a'])
    }
    // The next tick's commit is a batch of its own.
    await group.commit(leases[0]!, { events: [stepStarted('b')] }, now)
    expect(transactions()).toBe(2)
  })

  it('rolls back only the commit whose lease was lost; the others of its batch commit', async () => {
    const { group, store, leases, transactions, clock } = await setup(3)
    const [l1, l2, l3] = leases as [Lease, Lease, Lease]
    const stale: Lease = { ...l2, token: l2.token - 1 }
    const now = clock.now()
    const settled = await Promise.allSettled([
      group.commit(l1, { steps: [stepRecord('a')], events: [stepStarted('a')] }, now),
      group.commit(
        stale,
        { execution: { status: 'running' }, steps: [stepRecord('a')], events: [stepStarted('a')] },
        now,
      ),
      group.commit(l3, { steps: [stepRecord('a')], events: [stepStarted('a')] }, now),
    ])
    expect(transactions()).toBe(1)
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(LeaseLostError)
    expect((await store.readEvents('e1', 0, 10)).map((e) => e.type)).toEqual(['step.started'])
    expect((await store.readEvents('e3', 0, 10)).map((e) => e.type)).toEqual(['step.started'])
    // Nothing of e2's commit is left.
    expect(await store.readEvents('e2', 0, 10)).toEqual([])
    expect((await store.readSteps('e2')).steps).toEqual([])
    const e2 = await store.findExecution('e2')
    expect([e2?.status, e2?.lastSeq]).toEqual(['pending', 0])
  })

  it('rolls back a commit that fails midway (a signal not waiting) or cannot be encoded, and only that one', async () => {
    const { group, store, leases, clock } = await setup(3)
    const [l1, l2, l3] = leases as [Lease, Lease, Lease]
    const now = clock.now()
    const settled = await Promise.allSettled([
      group.commit(
        l1,
        { steps: [stepRecord('a')], consumeSignals: [{ id: 99, step: 'a' }], events: [stepStarted('a')] },
        now,
      ),
      group.commit(l2, { events: [stepStarted('a')] }, now),
      group.commit(l3, { steps: [stepRecord('a', { output: { n: 1n } })], events: [stepStarted('a')] }, now),
    ])
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'fulfilled', 'rejected'])
    expect((settled[0] as PromiseRejectedResult).reason).toBeInstanceOf(InternalError)
    expect((settled[2] as PromiseRejectedResult).reason).toBeInstanceOf(TypeError)
    expect((await store.findExecution('e1'))?.lastSeq).toBe(0)
    expect((await store.readSteps('e1')).steps).toEqual([])
    expect((await store.readEvents('e2', 0, 10)).map((e) => e.type)).toEqual(['step.started'])
    expect((await store.findExecution('e3'))?.lastSeq).toBe(0)
  })

  it('keeps one execution’s commits of one batch in order', async () => {
    const { group, store, leases, clock } = await setup(1)
    const now = clock.now()
    const [a, b] = await Promise.all([
      group.commit(leases[0]!, { steps: [stepRecord('a', { status: 'running' })], events: [stepStarted('a')] }, now),
      group.commit(
        leases[0]!,
        { steps: [stepRecord('a', { status: 'completed' })], events: [stepCompleted('a', 1)] },
        now,
      ),
    ])
    expect([a[0]!.seq, b[0]!.seq]).toEqual([1, 2])
    expect((await store.readSteps('e1')).steps[0]?.status).toBe('completed')
  })
})
