import pg from 'pg'
import { expect, it, onTestFinished } from 'vitest'
import { InternalError } from '../../src/util/index.js'
import { LeaseLostError, type CreateResult, type Lease, type Store } from '../../src/store/index.js'
import { PostgresGroupCommit } from '../../src/store/postgres/group-commit.js'
import { applyChanges, createExecutionIn, releaseLease } from '../../src/store/sql/index.js'
import { FakeClock } from '../../src/testing/fake-clock.js'
import { describePostgres, openPostgresForTest, PG_URL, schemaForCurrentTest } from '../support/postgres.js'
import { holder, newExecution, stepCompleted, stepRecord, stepStarted } from '../support/store-fixtures.js'
import { Kysely, PostgresDialect } from 'kysely'
import type { Database } from '../../src/store/sql/index.js'

/**
 * A PostgresGroupCommit on a pool of its own on a fresh, migrated schema, with executions e1 … eN created and held
 * by "h" (through a store on the same schema, which the checks read back with). `statements` counts the batch
 * statements sent; `alone` counts the entries that went on their own (the store's one-transaction paths).
 */
async function setup(executions: number): Promise<{
  group: PostgresGroupCommit
  store: Store
  leases: Lease[]
  statements: () => number
  alone: () => number
  clock: FakeClock
}> {
  const schema = schemaForCurrentTest()
  const clock = new FakeClock()
  const store = await openPostgresForTest(schema, clock)
  await store.migrate()
  const leases: Lease[] = []
  for (let i = 1; i <= executions; i++) {
    await store.createExecution(newExecution(`e${i}`, clock.now()))
    leases.push((await store.acquire(`e${i}`, holder('h'), clock.now(), 60_000))!)
  }
  const pool = new pg.Pool({ connectionString: PG_URL, options: `-c search_path=${schema}`, max: 3 })
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  onTestFinished(() => db.destroy())
  let statements = 0
  let alone = 0
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown
  ;(pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    statements++
    return query(...args)
  }
  const group = new PostgresGroupCommit({
    pool,
    single: (lease, changes, now) => {
      alone++
      return db.transaction().execute((trx) => applyChanges(trx, lease, changes, now))
    },
    singleRelease: (lease) => {
      alone++
      return releaseLease(db, lease)
    },
    singleCreate: (input) => {
      alone++
      return createExecutionIn(db, input)
    },
    committed: () => {},
  })
  return { group, store, leases, statements: () => statements, alone: () => alone, clock }
}

describePostgres('PostgreSQL group commit', () => {
  it('sends the commits of several executions made in one tick as one statement, each numbered on its own', async () => {
    const { group, store, leases, statements, alone, clock } = await setup(3)
    const now = clock.now()
    const results = await Promise.all(
      leases.map((lease) =>
        group.commit(
          lease,
          {
            execution: { status: 'running', startedAt: now },
            steps: [stepRecord('a', { output: { quote: 'say "hi" \\ {x,y}' } })],
            events: [stepStarted('a'), stepCompleted('a', lease.executionId)],
          },
          now,
        ),
      ),
    )
    expect([statements(), alone()]).toEqual([1, 0])
    for (const [i, events] of results.entries()) {
      const id = `e${i + 1}`
      expect(events.map((e) => [e.execution_id, e.seq, e.type])).toEqual([
        [id, 1, 'step.started'],
        [id, 2, 'step.completed'],
      ])
      // Committed when the promise resolved: another connection reads it.
      expect(await store.readEvents(id, 0, 10)).toEqual(events)
      const read = await store.readExecution(id)
      expect(read?.steps.map((s) => [s.name, s.output])).toEqual([['a', { quote: 'say "hi" \\ {x,y}' }]])
      // Patched columns changed; the others kept.
      expect([read?.execution.status, read?.execution.startedAt, read?.execution.run]).toEqual(['running', now, 1])
      expect(read?.execution.lastSeq).toBe(2)
    }
  })

  it('writes nothing of a commit whose lease was lost and rejects it alone; the others of its statement commit', async () => {
    const { group, store, leases, statements, clock } = await setup(3)
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
    expect(statements()).toBe(1)
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(LeaseLostError)
    expect((await store.readEvents('e1', 0, 10)).map((e) => e.type)).toEqual(['step.started'])
    expect((await store.readEvents('e3', 0, 10)).map((e) => e.type)).toEqual(['step.started'])
    expect(await store.readEvents('e2', 0, 10)).toEqual([])
    const e2 = await store.readExecution('e2')
    expect([e2?.execution.status, e2?.execution.lastSeq, e2?.steps]).toEqual(['pending', 0, []])
  })

  it('rejects alone a commit that cannot be encoded, and sends one that takes a signal on its own', async () => {
    const { group, store, leases, statements, alone, clock } = await setup(3)
    const [l1, l2, l3] = leases as [Lease, Lease, Lease]
    const now = clock.now()
    const settled = await Promise.allSettled([
      group.commit(l1, { consumeSignals: [{ id: 99, step: 'a' }], events: [stepStarted('a')] }, now),
      group.commit(l2, { events: [stepStarted('a')] }, now),
      group.commit(l3, { steps: [stepRecord('a', { output: { n: 1n } })], events: [stepStarted('a')] }, now),
    ])
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'fulfilled', 'rejected'])
    expect((settled[0] as PromiseRejectedResult).reason).toBeInstanceOf(InternalError)
    expect((settled[2] as PromiseRejectedResult).reason).toBeInstanceOf(TypeError)
    // e2 went in a batch statement; e1 (a signal to take) in a transaction of its own.
    expect([statements(), alone()]).toEqual([1, 1])
    expect((await store.findExecution('e1'))?.lastSeq).toBe(0)
    expect((await store.readEvents('e2', 0, 10)).map((e) => e.type)).toEqual(['step.started'])
    expect((await store.findExecution('e3'))?.lastSeq).toBe(0)
  })

  it('when the statement fails as a whole, runs each entry on its own, so only the bad one fails', async () => {
    const { group, store, leases, statements, alone, clock } = await setup(2)
    const [l1, l2] = leases as [Lease, Lease]
    const now = clock.now()
    const settled = await Promise.allSettled([
      // NOT NULL violated: PostgreSQL refuses the whole statement.
      group.commit(l1, { steps: [stepRecord('a', { status: null as never })], events: [stepStarted('a')] }, now),
      group.commit(l2, { steps: [stepRecord('a')], events: [stepStarted('a')] }, now),
    ])
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'fulfilled'])
    expect([statements(), alone()]).toEqual([1, 2])
    expect((await store.findExecution('e1'))?.lastSeq).toBe(0)
    expect((await store.readEvents('e2', 0, 10)).map((e) => e.type)).toEqual(['step.started'])
  })

  it('keeps one execution’s entries in order: a second one waits for the next statement', async () => {
    const { group, store, leases, statements, clock } = await setup(1)
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
    expect(statements()).toBe(2)
    expect((await store.readSteps('e1')).steps[0]?.status).toBe('completed')
  })

  it('releases in the statement: the holder is cleared, a running execution is due at once, a lost lease is left', async () => {
    const { group, store, leases, statements, clock } = await setup(3)
    const [l1, l2, l3] = leases as [Lease, Lease, Lease]
    await group.commit(l1, { execution: { status: 'running', wakeAt: 99_999 } }, clock.now())
    const before = await store.findExecution('e1')
    await Promise.all([
      group.release(l1, clock.now() + 7),
      group.release({ ...l2, token: l2.token + 1 }, clock.now()),
      group.commit(l3, { events: [stepStarted('a')] }, clock.now()),
    ])
    expect(statements()).toBe(2)
    const e1 = await store.findExecution('e1')
    expect([e1?.holder, e1?.wakeAt, e1?.status]).toEqual([null, 0, 'running'])
    // A release is not a change of the execution's state: `updated_at` stays.
    expect(e1?.updatedAt).toBe(before?.updatedAt)
    expect((await store.findExecution('e2'))?.holder?.id).toBe('h')
    expect((await store.findExecution('e3'))?.lastSeq).toBe(1)
  })

  it('creates executions in the statement, held when asked; an id that exists gives the existing row', async () => {
    const { group, store, statements, alone, clock } = await setup(1)
    const now = clock.now()
    const results: CreateResult[] = await Promise.all([
      group.create(newExecution('n1', now, { inputs: { a: 1 }, holder: { identity: holder('me'), leaseMs: 9_000 } })),
      group.create(newExecution('n2', now, { parentId: 'e1', parentStep: 's', parentIndex: 3 })),
      group.create(newExecution('e1', now, { holder: { identity: holder('me'), leaseMs: 9_000 } })),
    ])
    expect(statements()).toBe(1)
    expect(alone()).toBe(1) // the existing id, read on its own
    const [n1, n2, e1] = results as [CreateResult, CreateResult, CreateResult]
    expect(n1.created && n1.lease).toEqual({ executionId: 'n1', holderId: 'me', token: 1, expiresAt: now + 9_000 })
    expect(n1.execution).toEqual(await store.findExecution('n1'))
    expect(n2.execution).toEqual(await store.findExecution('n2'))
    expect([n2.created, n2.execution.holder, n2.execution.parentIndex]).toEqual([true, null, 3])
    expect(e1).toEqual({ created: false, execution: await store.findExecution('e1') })
  })
})
