import { sql, type Kysely } from 'kysely'
import { SchemaTooNewError } from '../index.js'
import type { Database } from './database.js'
import { MIGRATIONS } from './migrations/index.js'

/** The SQL dialects Trellis stores speak. */
export type SqlDialect = 'sqlite' | 'postgres'

/** One numbered schema change, with its SQL for each dialect (several statements allowed). */
export interface Migration {
  readonly version: number
  /** kebab-case, for the ledger and messages. */
  readonly name: string
  readonly sqlite: string
  readonly postgres: string
}

/** What the runner needs from a store to migrate its database. */
export interface MigrationTarget {
  readonly dialect: SqlDialect
  /** Printable location, for SchemaTooNewError. */
  readonly location: string
  /** Runs outside any transaction: the fast check that nothing needs doing. */
  readonly db: Kysely<Database>
  /**
   * Runs `fn` in one write transaction that excludes every other migrator of the same database (SQLite:
   * `BEGIN IMMEDIATE`; PostgreSQL: a transaction-level advisory lock). `executeScript` runs a multi-statement body
   * inside that transaction.
   */
  exclusive<T>(fn: (db: Kysely<Database>, executeScript: (body: string) => Promise<void>) => Promise<T>): Promise<T>
}

/** The ledger, created by the runner itself; valid on both dialects. */
const CREATE_LEDGER = sql`CREATE TABLE IF NOT EXISTS trellis_migrations (
  version INTEGER NOT NULL PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at BIGINT NOT NULL
)`

/** The highest version in a migration list (the schema version this code knows). */
export function latestVersion(migrations: readonly Migration[] = MIGRATIONS): number {
  return migrations.reduce((max, m) => Math.max(max, m.version), 0)
}

/**
 * Brings the database up to the newest migration: each pending migration and its ledger row commit in one
 * transaction, under the target's exclusive lock, so any number of processes may migrate one database at once.
 * `now` is the `applied_at` recorded. Throws SchemaTooNewError when the database has a version this code does not
 * know (it was migrated by a newer Trellis), before changing anything.
 */
export async function migrateSchema(
  target: MigrationTarget,
  now: number,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<void> {
  const known = latestVersion(migrations)
  const current = await readSchemaVersion(target.db)
  if (current !== undefined && current > known) throw new SchemaTooNewError(target.location, current, known)
  if (current === known) return

  for (;;) {
    const applied = await target.exclusive(async (db, executeScript) => {
      await CREATE_LEDGER.execute(db)
      // Read again under the lock: another process may have migrated since the check above.
      const version = (await readSchemaVersion(db)) ?? 0
      if (version > known) throw new SchemaTooNewError(target.location, version, known)
      const next = migrations.filter((m) => m.version > version).sort((a, b) => a.version - b.version)[0]
      if (next === undefined) return false
      await executeScript(next[target.dialect])
      await db
        .insertInto('trellis_migrations')
        .values({ version: next.version, name: next.name, applied_at: now })
        .execute()
      return true
    })
    if (!applied) return
  }
}

/** The highest version in the ledger: 0 when it is empty, `undefined` when there is no ledger yet. */
async function readSchemaVersion(db: Kysely<Database>): Promise<number | undefined> {
  let row: { version: number | string | bigint | null } | undefined
  try {
    row = await db
      .selectFrom('trellis_migrations')
      .select((eb) => eb.fn.max('version').as('version'))
      .executeTakeFirst()
  } catch {
    // No ledger table (a new database). Anything else fails again, with its real error, under the lock.
    return undefined
  }
  return row?.version === null || row?.version === undefined ? 0 : Number(row.version)
}
