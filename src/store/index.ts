/**
 * store: the persistence contract (Store, records, leases, errors) and, in `sql/`, the Kysely schema, queries and
 * migration list shared by both backends. Never imports an implementation (`sqlite/`, `postgres/`) or the engine.
 */
export type * from './store.js'
export * from './records.js'
export * from './errors.js'
export * from './attempts.js'
