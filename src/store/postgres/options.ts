import { createHash } from 'node:crypto'
import { InvalidOptionError, systemClock, type Clock } from '../../util/index.js'

/** What `openPostgresStore` accepts. */
export interface PostgresStoreOptions {
  /** A `postgres://` or `postgresql://` URL; its `?schema=NAME` parameter is the same as the `schema` option. */
  readonly url: string
  /**
   * The schema that holds Trellis's tables, so several installations (or test runs) share one database. A plain
   * lowercase identifier; `migrate()` creates it when missing. @default the URL's `?schema=`, else `public`
   */
  readonly schema?: string | undefined
  /** The only source of time (`deleteEndedBefore`, migrations' `applied_at`). @default systemClock */
  readonly clock?: Clock | undefined
  /** Most connections the store's pool opens (the change listener has one more of its own). @default 10 */
  readonly poolSize?: number | undefined
  /**
   * How often `onExternalChange` listeners are called even without a notification: the safety net for a
   * notification lost while the listening connection was down. @default 1000
   */
  readonly changePollMs?: number | undefined
  /** How long opening a connection may take before StoreUnavailableError. @default 10000 */
  readonly connectTimeoutMs?: number | undefined
}

/** `PostgresStoreOptions` with the defaults applied and the URL split into what `pg` gets and the schema. */
export interface ResolvedPostgresStoreOptions {
  /** The URL `pg` connects with: the one given, without `schema` (and without `options`, merged below). */
  readonly connectionString: string
  /**
   * The libpq `options` startup parameter: `idle_in_transaction_session_timeout`, the URL's own options (which may
   * change it), then `-c search_path=SCHEMA`.
   */
  readonly startupOptions: string
  readonly schema: string
  /** The LISTEN/NOTIFY channel of this schema. */
  readonly channel: string
  /** The URL as it may be printed: password hidden, schema named when it is not `public`. */
  readonly location: string
  readonly clock: Clock
  readonly poolSize: number
  readonly changePollMs: number
  readonly connectTimeoutMs: number
}

export const DEFAULT_SCHEMA = 'public'
export const DEFAULT_POOL_SIZE = 10
export const DEFAULT_CHANGE_POLL_MS = 1_000
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000

/**
 * How long a connection may sit in an open transaction without sending anything before the server ends it. No
 * transaction of a store waits on anything but the server (no I/O happens inside one), so a transaction idle that
 * long belongs to a stopped or hung process (SIGSTOP, a VM pause): its row locks must not block the process that
 * takes its executions over after the lease expires (30 s by default).
 */
export const IDLE_IN_TRANSACTION_TIMEOUT_MS = 30_000

/** PostgreSQL's identifier limit (NAMEDATALEN - 1). */
const MAX_IDENTIFIER_BYTES = 63

/**
 * Checks that `schema` is a plain, lowercase PostgreSQL identifier, the only kind Trellis interpolates into SQL
 * (unquoted names fold to lowercase, so anything else would name a different schema than the one written).
 *
 * @throws InvalidOptionError naming what is wrong.
 */
export function validateSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) {
    throw new InvalidOptionError(
      'schema',
      `"${schema}" is not a plain identifier: use lowercase letters, digits and _, starting with a letter or _`,
    )
  }
  if (schema.length > MAX_IDENTIFIER_BYTES) {
    throw new InvalidOptionError('schema', `"${schema}" is longer than ${MAX_IDENTIFIER_BYTES} characters`)
  }
  if (schema.startsWith('pg_')) {
    throw new InvalidOptionError('schema', `"${schema}": names starting with pg_ are reserved by PostgreSQL`)
  }
  return schema
}

/** The LISTEN/NOTIFY channel of a schema: `trellis_<schema>`, or a hash of it when that would be too long. */
export function channelFor(schema: string): string {
  const plain = `trellis_${schema}`
  if (plain.length <= MAX_IDENTIFIER_BYTES) return plain
  return `trellis_${createHash('sha256').update(schema).digest('hex').slice(0, 40)}`
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidOptionError(name, `must be a whole number, 1 or more; got ${value}`)
  }
  return value
}

/**
 * Validates the options and applies the defaults. The schema comes from `schema` or the URL's `?schema=` (both may
 * be given if they agree); `search_path` is set to it on every connection, so the shared queries and migrations
 * name tables without a schema.
 *
 * @throws InvalidOptionError for a URL that is not `postgres://`/`postgresql://`, a bad schema name, or a bad number.
 */
export function resolvePostgresStoreOptions(options: PostgresStoreOptions): ResolvedPostgresStoreOptions {
  let url: URL
  try {
    url = new URL(options.url)
  } catch {
    throw new InvalidOptionError('url', `"${hidePassword(options.url)}" is not a URL`)
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new InvalidOptionError('url', `"${hidePassword(options.url)}" is not a postgres:// or postgresql:// URL`)
  }
  const fromUrl = url.searchParams.get('schema')
  if (fromUrl !== null && options.schema !== undefined && fromUrl !== options.schema) {
    throw new InvalidOptionError('schema', `"${options.schema}" differs from the URL's ?schema=${fromUrl}; give one`)
  }
  const schema = validateSchemaName(options.schema ?? fromUrl ?? DEFAULT_SCHEMA)

  const own = url.searchParams.get('options')
  url.searchParams.delete('schema')
  url.searchParams.delete('options')
  const connectionString = url.toString()

  const printable = new URL(url)
  if (printable.password !== '') printable.password = '***'
  if (schema !== DEFAULT_SCHEMA) printable.searchParams.set('schema', schema)

  return Object.freeze({
    connectionString,
    startupOptions: [
      `-c idle_in_transaction_session_timeout=${IDLE_IN_TRANSACTION_TIMEOUT_MS}`,
      own,
      `-c search_path=${schema}`,
    ]
      .filter((part) => part !== null && part !== '')
      .join(' '),
    schema,
    channel: channelFor(schema),
    location: printable.toString(),
    clock: options.clock ?? systemClock,
    poolSize: positiveInt('poolSize', options.poolSize ?? DEFAULT_POOL_SIZE),
    changePollMs: positiveInt('changePollMs', options.changePollMs ?? DEFAULT_CHANGE_POLL_MS),
    connectTimeoutMs: positiveInt('connectTimeoutMs', options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS),
  })
}

/** A URL with its password replaced by `***`, for messages (also when it does not parse). */
export function hidePassword(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') parsed.password = '***'
    return parsed.toString()
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@')
  }
}
