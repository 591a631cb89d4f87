/**
 * store/sqlite: the SQLite store (the default): opening the file (WAL, busy_timeout, synchronous), writes under
 * `BEGIN IMMEDIATE`, claims, and change detection across processes (`PRAGMA data_version`). Imports the store
 * contract, `store/sql`, `events` and `util`; `better-sqlite3` through Kysely's SqliteDialect. Never `store/postgres`.
 */
export {
  openSqliteStore,
  resolveSqliteStoreOptions,
  DEFAULT_BUSY_TIMEOUT_MS,
  type SqliteStoreOptions,
  type ResolvedSqliteStoreOptions,
} from './sqlite-store.js'
