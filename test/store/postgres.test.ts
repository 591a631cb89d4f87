import pg from 'pg'
import { expect, it, onTestFinished } from 'vitest'
import { openStore } from '../../src/open-store.js'
import { LeaseLostError, StoreUnavailableError, type Store } from '../../src/store/index.js'
import { openPostgresStore, resolvePostgresStoreOptions } from '../../src/store/postgres/index.js'
import { latestVersion } from '../../src/store/sql/index.js'
import { FakeClock } from '../../src/testing/fake-clock.js'
import { InvalidOptionError } from '../../src/util/index.js'
import {
  adminQuery,
  describePostgres,
  freshPostgresStore,
  openPostgresForTest,
  PG_URL,
  schemaForCurrentTest,
} from '../support/postgres.js'
import { createWithAttempts, holder, newExecution, stepStarted } from '../support/store-fixtures.js'
import { realSleep, waitUntil } from '../support/wait.js'
import { storeConformance, type SharedDatabase } from './conformance.js'

/** A fresh schema several stores can open; `execute` runs SQL with the schema on the search path. */
async function sharedSchema(clock: FakeClock): Promise<SharedDatabase> {
  const schema = schemaForCurrentTest()
  return {
    open: () => openPostgresForTest(schema, clock),
    execute: async (sqlText) => {
      await adminQuery(`begin; set local search_path to ${schema}; ${sqlText}; commit`)
    },
  }
}

/** Several stores on one fresh, migrated schema. */
async function storesOnOneSchema(count: number, clock = new FakeClock(), changePollMs?: number): Promise<Store[]> {
  const schema = schemaForCurrentTest()
  const stores = await Promise.all(
    Array.from({ length: count }, () => openPostgresForTest(schema, clock, { changePollMs })),
  )
  await stores[0]!.migrate()
  return stores
}

/** A raw client on the schema, for what the Store API cannot do (hold a row lock), closed after the test. */
async function rawClient(schema: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` })
  await client.connect()
  onTestFinished(() => client.end())
  return client
}

describePostgres('PostgreSQL store', () => {
  storeConformance(
    'postgres',
    async (clock) => {
      const store = await openPostgresStore({ url: PG_URL, schema: schemaForCurrentTest(), clock, poolSize: 4 })
      onTestFinished(() => store.close())
      return store
    },
    { shared: sharedSchema },
  )

  it('eight claimers at once on 40 attempts never get the same attempt, and share them', async () => {
    const clock = new FakeClock()
    const stores = await storesOnOneSchema(8, clock)
    for (let i = 0; i < 10; i++) await createWithAttempts(stores[0]!, `e${i}`, ['a', 'b', 'c', 'd'], clock.now() + i)

    const claimed = await Promise.all(
      stores.map(async (store, w) => {
        const keys: string[] = []
        for (;;) {
          const attempts = await store.claimAttempts(holder(`worker-${w}`), 2, clock.now(), 60_000)
          if (attempts.length === 0) return keys
          keys.push(...attempts.map((a) => `${a.executionId}/${a.step}`))
        }
      }),
    )
    const keys = claimed.flat()
    expect(keys).toHaveLength(40)
    expect(new Set(keys).size).toBe(40)
    expect(claimed.filter((mine) => mine.length > 0).length).toBeGreaterThan(1)
  })

  it('claimAttempts skips, without waiting, attempts another transaction has locked and those of an execution being decided', async () => {
    const clock = new FakeClock()
    const schema = schemaForCurrentTest()
    const store = await openPostgresForTest(schema, clock)
    await store.migrate()
    await createWithAttempts(store, 'x', ['a', 'b'], clock.now())
    await createWithAttempts(store, 'y', ['c'], clock.now() + 1)
    const raw = await rawClient(schema)
    await raw.query('begin')
    await raw.query(`select step from attempts where execution_id = 'x' and step = 'a' for update`)
    await raw.query(`select id from executions where id = 'y' for update`) // a decision on y under way

    const claimed = await store.claimAttempts(holder('w'), 10, clock.now(), 1_000)
    expect(claimed.map((a) => `${a.executionId}/${a.step}`)).toEqual(['x/b'])
    await raw.query('rollback')
    const rest = await store.claimAttempts(holder('w'), 10, clock.now(), 1_000)
    expect(rest.map((a) => `${a.executionId}/${a.step}`).sort()).toEqual(['x/a', 'y/c'])
  })

  it('ten migrators at once on a fresh schema all succeed, and apply each migration once', async () => {
    const schema = schemaForCurrentTest()
    const stores = await Promise.all(Array.from({ length: 10 }, () => openPostgresForTest(schema)))
    const results = await Promise.allSettled(stores.map((store) => store.migrate()))
    expect(results.filter((r) => r.status === 'rejected')).toEqual([])
    const ledger = await adminQuery(`select version from ${schema}.trellis_migrations order by version`)
    expect(ledger.rows.map((row: { version: number }) => row.version)).toEqual(
      Array.from({ length: latestVersion() }, (_, i) => i + 1),
    )
  })

  it('LISTEN/NOTIFY wakes another store at once for a commit, long before the poll; never the committer itself', async () => {
    const clock = new FakeClock()
    const [a, b] = (await storesOnOneSchema(2, clock, 10_000)) as [Store, Store]
    await a.createExecution(newExecution('e1', clock.now()))
    const lease = (await a.acquire('e1', holder('h'), clock.now(), 60_000))!
    const heard = { a: 0, b: 0 }
    a.onExternalChange(() => heard.a++)
    b.onExternalChange(() => heard.b++)
    // Each listener is called once when its LISTEN is in place (whatever came before it); wait for that.
    await waitUntil(() => heard.a > 0 && heard.b > 0, { what: 'both LISTENs to be in place' })
    heard.a = 0
    heard.b = 0

    const started = Date.now()
    await a.commit(lease, { events: [stepStarted('s')] }, clock.now())
    await waitUntil(() => heard.b > 0, { what: 'b to hear of a’s commit', timeoutMs: 5_000 })
    expect(Date.now() - started).toBeLessThan(3_000) // the poll would have taken 10 s (typically: a few ms)
    await realSleep(100)
    expect(heard.a).toBe(0) // its own commit is no news to a

    for (const write of [
      () => a.appendSignal('e1', 'go', null, clock.now()),
      () => a.request('e1', 'pause', null, clock.now()),
      () => a.createExecution(newExecution('e2', clock.now())),
      () => a.release(lease),
    ]) {
      heard.b = 0
      await write()
      await waitUntil(() => heard.b > 0, { what: 'b to hear of a’s write', timeoutMs: 1_000 })
    }
  })

  it('calls listeners on the slow poll too, and listens again after its connection is cut', async () => {
    const clock = new FakeClock()
    const schema = schemaForCurrentTest()
    const a = await openPostgresForTest(schema, clock)
    await a.migrate()
    const polled = await openPostgresForTest(schema, clock, { changePollMs: 50 })
    let polls = 0
    polled.onExternalChange(() => polls++)
    await waitUntil(() => polls >= 4, { what: 'the poll to call the listener a few times' })

    const b = await openPostgresForTest(schema, clock, { changePollMs: 10_000 })
    let heard = 0
    b.onExternalChange(() => heard++)
    await waitUntil(() => heard > 0, { what: 'b’s LISTEN to be in place' })
    const listeners = async (): Promise<number[]> =>
      (
        await adminQuery(
          `select pid from pg_stat_activity where application_name = 'trellis-listener' ` +
            `and query like 'LISTEN "trellis_${schema}"%'`,
        )
      ).rows.map((row: { pid: number }) => row.pid)
    const [first] = await listeners()
    expect(first).toBeDefined()
    await adminQuery('select pg_terminate_backend($1)', [first])
    // Listening again, on a new connection (the first retry comes after 100 ms).
    await waitUntil(async () => (await listeners()).some((pid) => pid !== first), {
      what: 'b to LISTEN again',
      timeoutMs: 5_000,
    })
    await realSleep(50) // its own call after the LISTEN
    heard = 0
    await a.createExecution(newExecution('e1', clock.now()))
    await waitUntil(() => heard > 0, { what: 'b to hear of a’s write after reconnecting', timeoutMs: 3_000 })
  })

  it('refuses a commit under a stale token, also one that waited for the row while another holder took over', async () => {
    const clock = new FakeClock()
    const schema = schemaForCurrentTest()
    const store = await openPostgresForTest(schema, clock)
    await store.migrate()
    await store.createExecution(newExecution('e1', clock.now()))
    const stale = (await store.acquire('e1', holder('a'), clock.now(), 1_000))!
    await clock.advance(1_001)
    const fresh = (await store.acquire('e1', holder('b'), clock.now(), 1_000))!
    expect(fresh.token).toBeGreaterThan(stale.token)
    await expect(store.commit(stale, { events: [stepStarted('x')] }, clock.now())).rejects.toThrow(LeaseLostError)

    // b's commit waits behind a transaction that holds the row and hands the lease to c; once it commits, b's
    // UPDATE re-reads the row, finds another token, and writes nothing.
    const raw = await rawClient(schema)
    await raw.query('begin')
    await raw.query(`update executions set holder_id = 'c', lease_token = lease_token + 1 where id = 'e1'`)
    const blocked = store.commit(fresh, { events: [stepStarted('y')] }, clock.now()).catch((e: unknown) => e)
    await realSleep(100)
    await raw.query('commit')
    expect(await blocked).toBeInstanceOf(LeaseLostError)
    expect(await store.readEvents('e1', 0, 10)).toEqual([])
    expect((await store.findExecution('e1'))?.lastSeq).toBe(0)
  })

  it('keeps schemas apart: the same ids in two schemas of one database', async () => {
    const clock = new FakeClock()
    const one = await freshPostgresStore(clock)
    const two = await freshPostgresStore(clock)
    await one.createExecution(newExecution('e1', clock.now()))
    expect(await two.findExecution('e1')).toBeUndefined()
    expect((await two.createExecution(newExecution('e1', clock.now()))).created).toBe(true)
  })

  it('reads BIGINT columns as numbers', async () => {
    const store = await freshPostgresStore()
    const createdAt = 4_102_444_800_000 // 2100-01-01: beyond 32 bits
    await store.createExecution(newExecution('e1', createdAt))
    const record = await store.findExecution('e1')
    expect(record?.createdAt).toBe(createdAt)
    expect(typeof record?.lastSeq).toBe('number')
  })

  it('takes the schema from ?schema= in the URL, through openStore, and creates it', async () => {
    const schema = schemaForCurrentTest()
    const store = await openStore(`${PG_URL}?schema=${schema}`)
    onTestFinished(() => store?.close())
    expect(store?.dialect).toBe('postgres')
    expect(store?.location).toBe(`${PG_URL}?schema=${schema}`)
    await store!.createExecution(newExecution('e1', 0))
    const found = await adminQuery(`select id from ${schema}.executions`)
    expect(found.rows).toEqual([{ id: 'e1' }])
  })

  it('rejects a schema that is not a plain identifier, and a URL that disagrees with the option', () => {
    for (const schema of ['Demo', 'a-b', 'x;drop table y', '1abc', 'pg_mine', 'a'.repeat(64)]) {
      expect(() => resolvePostgresStoreOptions({ url: PG_URL, schema })).toThrow(InvalidOptionError)
    }
    expect(() => resolvePostgresStoreOptions({ url: `${PG_URL}?schema=Bad` })).toThrow(InvalidOptionError)
    expect(() => resolvePostgresStoreOptions({ url: `${PG_URL}?schema=one`, schema: 'two' })).toThrow(/give one/)
    expect(resolvePostgresStoreOptions({ url: 'postgres://me:secret@db:5432/x?schema=s' }).location).toBe(
      'postgres://me:***@db:5432/x?schema=s',
    )
  })

  it('fails with StoreUnavailableError saying what to check when the server cannot be reached', async () => {
    const error = await openStore('postgres://postgres@127.0.0.1:1/test').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StoreUnavailableError)
    expect((error as Error).message).toMatch(
      /^Cannot reach PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1\/test: .*ECONNREFUSED.*Check that the server is running/,
    )
  })

  it('fails with StoreUnavailableError for a database that does not exist', async () => {
    const url = new URL(PG_URL)
    url.pathname = '/trellis_no_such_database'
    await expect(openStore(url.toString())).rejects.toThrow(/does not exist.*Create it/)
  })
})
