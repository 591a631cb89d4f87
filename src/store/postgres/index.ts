/**
 * store/postgres: the PostgreSQL store (many processes on many machines sharing one database): the `pg` pool
 * (BIGINT read as numbers, `search_path` set to the store's schema), row locks where SQLite relies on
 * `BEGIN IMMEDIATE`, `FOR UPDATE SKIP LOCKED` claims, migrations under an advisory lock, and LISTEN/NOTIFY wake-ups
 * with a slow poll as the safety net. Imports the store contract, `store/sql`, `events` and `util`; `pg` through
 * Kysely's PostgresDialect, and only here. Never `store/sqlite`. Load it with a dynamic `import()` so `pg` is loaded
 * only when a PostgreSQL URL is used.
 */
export { openPostgresStore } from './postgres-store.js'
export {
  resolvePostgresStoreOptions,
  validateSchemaName,
  channelFor,
  DEFAULT_SCHEMA,
  DEFAULT_POOL_SIZE,
  DEFAULT_CHANGE_POLL_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  type PostgresStoreOptions,
  type ResolvedPostgresStoreOptions,
} from './options.js'
