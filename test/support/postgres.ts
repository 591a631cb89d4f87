// The PostgreSQL the tests use, and the backends the engine tests run on.
//
// The server is TRELLIS_TEST_PG_URL, or postgres://postgres@127.0.0.1:5432/test (trust auth, as on CI machines).
// It is probed once per test process. When it cannot be reached the PostgreSQL tests are skipped with a loud notice,
// unless TRELLIS_TEST_PG=required (or CI=true): then they run, and fail saying why. Every test gets its own schema,
// named from a hash of the test's name plus a random suffix, dropped when the test finishes.
import { createHash, randomBytes } from 'node:crypto'
import pg from 'pg'
import { describe, expect, it, onTestFinished } from 'vitest'
import type { Store } from '../../src/store/index.js'
import { openPostgresStore, type PostgresStoreOptions } from '../../src/store/postgres/index.js'
import { openSqliteStore } from '../../src/store/sqlite/index.js'
import type { Clock } from '../../src/util/index.js'
import { tempDbFile } from './temp.js'

/** The server under test. */
export const PG_URL = process.env['TRELLIS_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'

/** Connections per test store: tests open many stores at once, and the server has a connection limit. */
const TEST_POOL_SIZE = 4

/** Whether PostgreSQL tests must run (CI): an unreachable server is then a failure, never a skip. */
export const PG_REQUIRED = process.env['TRELLIS_TEST_PG'] === 'required' || process.env['CI'] === 'true'

/** What the probe found. */
export interface PostgresAvailability {
  readonly available: boolean
  /** Why it is not available. */
  readonly reason: string | null
}

async function probe(): Promise<PostgresAvailability> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3_000 })
  client.on('error', () => {})
  try {
    await client.connect()
    await client.query('select 1')
    return { available: true, reason: null }
  } catch (error) {
    return { available: false, reason: (error as Error).message || String(error) }
  } finally {
    await client.end().catch(() => {})
  }
}

/** Probed once per test process. */
export const postgres: PostgresAvailability = await probe()

/** Run the PostgreSQL tests: the server is there, or it is required (and they fail saying why). */
export const RUN_POSTGRES = postgres.available || PG_REQUIRED

if (!postgres.available) {
  const what = `PostgreSQL at ${PG_URL} cannot be reached (${postgres.reason})`
  if (PG_REQUIRED) {
    process.stderr.write(`\n!!! ${what}, and TRELLIS_TEST_PG=required / CI=true: the PostgreSQL tests FAIL.\n\n`)
  } else {
    process.stderr.write(
      `\n!!! ${what}: the PostgreSQL tests are SKIPPED. Start a server there, or point TRELLIS_TEST_PG_URL at one; ` +
        'TRELLIS_TEST_PG=required makes this a failure.\n\n',
    )
  }
}

/**
 * `describe` for PostgreSQL tests: runs when the server is there; when it is required but missing, a single test
 * fails saying so; otherwise skipped (the notice above says why).
 */
export function describePostgres(name: string, body: () => void): void {
  if (postgres.available) {
    describe(name, body)
  } else if (PG_REQUIRED) {
    describe(name, () => {
      it('needs PostgreSQL', () => {
        throw new Error(`PostgreSQL at ${PG_URL} cannot be reached (${postgres.reason}); it is required here.`)
      })
    })
  } else {
    describe.skip(name, body)
  }
}

let admin: pg.Pool | undefined

/** Runs SQL with a connection of its own (no schema on its search_path unless the SQL sets one). */
export async function adminQuery(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  admin ??= new pg.Pool({ connectionString: PG_URL, max: 2, allowExitOnIdle: true })
  return admin.query(text, values)
}

/**
 * A new schema name for the current test (`t_<hash of the test's name>_<random>`), dropped with everything in it
 * when the test finishes. The schema itself is created by the first store's `migrate()`.
 */
export function schemaForCurrentTest(): string {
  const name = expect.getState().currentTestName ?? 'outside a test'
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 12)
  const schema = `t_${hash}_${randomBytes(4).toString('hex')}`
  onTestFinished(async () => {
    if (postgres.available) await adminQuery(`drop schema if exists ${schema} cascade`)
  })
  return schema
}

/** A store on `schema` (not migrated), closed when the test finishes. */
export async function openPostgresForTest(
  schema: string,
  clock?: Clock,
  more: Partial<PostgresStoreOptions> = {},
): Promise<Store> {
  const store = await openPostgresStore({ url: PG_URL, schema, clock, poolSize: TEST_POOL_SIZE, ...more })
  onTestFinished(() => store.close())
  return store
}

/** A migrated store on a fresh schema of its own, closed (and the schema dropped) when the test finishes. */
export async function freshPostgresStore(clock?: Clock, more: Partial<PostgresStoreOptions> = {}): Promise<Store> {
  const store = await openPostgresForTest(schemaForCurrentTest(), clock, more)
  await store.migrate()
  return store
}

/** A backend the engine tests run on. */
export interface TestBackend {
  readonly name: 'sqlite' | 'postgres'
  /** A migrated store on a fresh database of the current test, closed when it finishes. */
  open(clock?: Clock): Promise<Store>
  /** A fresh database several stores can share (as several processes would): each call opens another store on it. */
  shared(clock?: Clock): () => Promise<Store>
}

const sqlite: TestBackend = {
  name: 'sqlite',
  async open(clock) {
    const store = await openSqliteStore({ path: ':memory:', clock })
    onTestFinished(() => store.close())
    await store.migrate()
    return store
  },
  shared(clock) {
    const path = tempDbFile()
    return async () => {
      const store = await openSqliteStore({ path, clock })
      onTestFinished(() => store.close())
      await store.migrate()
      return store
    }
  },
}

const postgresBackend: TestBackend = {
  name: 'postgres',
  open: (clock) => freshPostgresStore(clock),
  shared(clock) {
    const schema = schemaForCurrentTest()
    return async () => {
      const store = await openPostgresForTest(schema, clock)
      await store.migrate()
      return store
    }
  },
}

/** SQLite `:memory:` always; PostgreSQL when it is reachable (or required: then its tests fail when it is not). */
export const backends: readonly TestBackend[] = RUN_POSTGRES ? [sqlite, postgresBackend] : [sqlite]
