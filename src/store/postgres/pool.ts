import pg from 'pg'
import type { ResolvedPostgresStoreOptions } from './options.js'

/** PostgreSQL's type oid of BIGINT (int8). */
const INT8_OID = 20

/**
 * Reads BIGINT as a JavaScript number. Trellis's BIGINT columns hold epoch milliseconds, counters and tokens, all
 * far below 2^53, and the shared codecs want numbers. Set per connection (not on the global `pg.types`), so other
 * users of `pg` in the process keep their own parsing.
 */
const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
    if (oid === INT8_OID && format !== 'binary') return Number
    return pg.types.getTypeParser(oid, format) as (value: string) => unknown
  },
}

/** The connection settings every connection of a store uses: the URL, `search_path` set to the schema, int8 parsing. */
export function clientConfig(options: ResolvedPostgresStoreOptions, applicationName: string): pg.ClientConfig {
  return {
    connectionString: options.connectionString,
    options: options.startupOptions,
    types: TYPES,
    connectionTimeoutMillis: options.connectTimeoutMs,
    keepAlive: true,
    // A name in the URL (`?application_name=`) wins over this one.
    fallback_application_name: applicationName,
  }
}

/**
 * The store's pool. Idle connections are closed after a while, and an idle pool does not keep the process alive.
 * A connection that breaks while idle emits `error` on the pool; it is dropped (the next query opens another) and
 * must not crash the process, so the handler ignores it.
 */
export function createPool(options: ResolvedPostgresStoreOptions): pg.Pool {
  const pool = new pg.Pool({
    ...clientConfig(options, 'trellis'),
    max: options.poolSize,
    idleTimeoutMillis: 10_000,
    allowExitOnIdle: true,
  })
  pool.on('error', () => {})
  return pool
}

/** A new, unconnected client with the store's settings, for the change listener's own connection. */
export function createClient(options: ResolvedPostgresStoreOptions): pg.Client {
  return new pg.Client(clientConfig(options, 'trellis-listener'))
}
