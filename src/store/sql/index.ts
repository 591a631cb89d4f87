/**
 * store/sql: what both SQL stores share — the Kysely `Database` schema, row codecs, the one migration list and its
 * runner, and every query that reads the same on SQLite and PostgreSQL (functions taking a Kysely instance, to be
 * run inside the store's own transactions). Dialect-specific work (opening, locking, claims, change detection)
 * stays in `sqlite/` and `postgres/`. Imports only `kysely` and the store contract; never a driver.
 */
export type * from './database.js'
export { ROWS_PER_STATEMENT, chunks } from './chunks.js'
export * from './row-codecs.js'
export { migrateSchema, latestVersion, type Migration, type MigrationTarget, type SqlDialect } from './migrate.js'
export { MIGRATIONS } from './migrations/index.js'
export * from './executions.js'
export * from './leases.js'
export { applyChanges, ITERATION_VALUE_COLUMNS, STEP_VALUE_COLUMNS } from './commit.js'
export { appendSignalIn } from './signals.js'
export { insertEvents, selectEvents } from './events.js'
export { clampFutureCompletions, deleteEndedBatch } from './retention.js'
export * from './attempts.js'
