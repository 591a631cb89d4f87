import { existsSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { StoreUnavailableError, type Store } from './store/index.js'
import { openSqliteStore } from './store/sqlite/index.js'
import { InvalidOptionError, systemClock, type Clock } from './util/index.js'

/** Where executions are stored when no `--db` is given, relative to the working directory. */
export const DEFAULT_DB_PATH = './.trellis/trellis.db'

/** What `openStore` accepts besides the `--db` value. */
export interface OpenStoreOptions {
  /** @default systemClock */
  readonly clock?: Clock | undefined
  /**
   * Create the database when it does not exist. Read-only commands pass false: they never create a database, and
   * get `null` for one that does not exist. @default true
   */
  readonly createIfMissing?: boolean | undefined
  /** SQLite only; see SqliteStoreOptions. @default 'NORMAL' */
  readonly synchronous?: 'NORMAL' | 'FULL' | undefined
  /** SQLite only; see SqliteStoreOptions. @default 5000 */
  readonly busyTimeoutMs?: number | undefined
  /** PostgreSQL only: most connections in the pool; see PostgresStoreOptions. @default 10 */
  readonly poolSize?: number | undefined
}

/** A parsed `--db` value. */
export type DbTarget =
  | { readonly kind: 'sqlite'; readonly path: string; readonly isDefault: boolean }
  | { readonly kind: 'postgres'; readonly url: string }

/**
 * Parses a `--db` value: `undefined` (the default file), a path, `sqlite:PATH` (`sqlite:///abs/path` too),
 * `:memory:`, or a `postgres://` / `postgresql://` URL.
 *
 * @throws InvalidOptionError for another URL scheme or an empty value.
 */
export function parseDb(db: string | undefined): DbTarget {
  if (db === undefined) return { kind: 'sqlite', path: DEFAULT_DB_PATH, isDefault: true }
  if (/^postgres(ql)?:\/\//i.test(db)) return { kind: 'postgres', url: db }
  let path = db
  if (/^sqlite:/i.test(path)) {
    path = path.slice('sqlite:'.length)
    if (path.startsWith('//')) path = path.slice(2) // URL spelling: sqlite:///abs/path, sqlite://relative.db
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    throw new InvalidOptionError(
      '--db',
      `"${db}" is not a database Trellis can use: give a SQLite file path, sqlite:PATH, :memory: or a postgres:// URL`,
    )
  }
  if (path === '') throw new InvalidOptionError('--db', `"${db}" names no file`)
  return { kind: 'sqlite', path, isDefault: false }
}

/** The `--db` value as it may be printed: the path, or the URL without its password. */
export function describeDb(db: string | undefined): string {
  const target = parseDb(db)
  if (target.kind === 'sqlite') return target.path
  try {
    const url = new URL(target.url)
    if (url.password !== '') url.password = '***'
    return url.toString()
  } catch {
    return target.url.replace(/:[^:@/]*@/, ':***@')
  }
}

/**
 * Opens the store a `--db` value names and migrates it. Returns `null` only with `createIfMissing: false`, when the
 * SQLite file does not exist (nothing is created, not even the `.trellis` directory). A PostgreSQL database always
 * exists (`?schema=NAME` picks the schema, created when missing); its module, and `pg`, are loaded only then.
 *
 * @throws StoreUnavailableError when the database cannot be opened or the server cannot be reached.
 * @throws SchemaTooNewError when a newer Trellis migrated the database.
 * @throws InvalidOptionError for a `--db` value that names no database, or a bad `?schema=`.
 */
export async function openStore(db: string | undefined, options: OpenStoreOptions = {}): Promise<Store | null> {
  const target = parseDb(db)
  if (target.kind === 'postgres') return migrated(await openPostgres(target.url, options))
  const createIfMissing = options.createIfMissing ?? true
  const memory = target.path === ':memory:'
  if (!memory && !existsSync(target.path)) {
    if (!createIfMissing) return null
    if (target.isDefault) mkdirSync(dirname(target.path), { recursive: true })
  }
  const store = await openSqliteStore({
    path: target.path,
    clock: options.clock ?? systemClock,
    synchronous: options.synchronous,
    busyTimeoutMs: options.busyTimeoutMs,
    fileMustExist: !createIfMissing && !memory,
  })
  return migrated(store)
}

/** Opens a PostgreSQL store, importing its module (and with it `pg`) only now. */
async function openPostgres(url: string, options: OpenStoreOptions): Promise<Store> {
  const postgres = await import('./store/postgres/index.js').catch((error: unknown) => {
    throw new StoreUnavailableError(
      `Cannot load the PostgreSQL driver (${(error as Error).message}). Install the "pg" package next to trellis.`,
      { cause: error },
    )
  })
  return postgres.openPostgresStore({ url, clock: options.clock ?? systemClock, poolSize: options.poolSize })
}

/** The store, migrated; closed again when migrating fails. */
async function migrated(store: Store): Promise<Store> {
  try {
    await store.migrate()
  } catch (error) {
    await store.close()
    throw error
  }
  return store
}
