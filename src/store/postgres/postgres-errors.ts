import { StoreUnavailableError } from '../index.js'

/** Node socket errors that mean the server cannot be reached. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
])

/** `pg` errors without a code that mean the connection is gone or never came up. */
const UNREACHABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|connection timeout/i

/** Deadlock and serialization failure: the transaction was rolled back and may simply be run again. */
export function isRetryable(error: unknown): boolean {
  const code = codeOf(error)
  return code === '40P01' || code === '40001'
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/**
 * Turns a `pg` error that means the database cannot be used (unreachable, login refused, no such database, out of
 * connections, server shutting down, …) into StoreUnavailableError with a message that says what to check; anything
 * else (a constraint, a bug) is returned as is.
 */
export function toStoreError(error: unknown, location: string): unknown {
  if (error instanceof StoreUnavailableError || !(error instanceof Error)) return error
  const code = codeOf(error)
  const message = error.message
  const unavailable = (text: string): StoreUnavailableError => new StoreUnavailableError(text, { cause: error })

  if ((code !== undefined && UNREACHABLE_CODES.has(code)) || (code === undefined && UNREACHABLE_MESSAGES.test(message)))
    return unavailable(
      `Cannot reach PostgreSQL at ${location}: ${message || code}. Check that the server is running and accepts ` +
        'connections at that host and port, and that nothing (a firewall, a wrong port) is in the way.',
    )
  if (code === undefined) return error
  if (code.startsWith('28'))
    return unavailable(
      `PostgreSQL at ${location} refused the login: ${message}. Check the user and password in the URL ` +
        '(or PGPASSWORD) and the server’s pg_hba.conf.',
    )
  if (code === '3D000')
    return unavailable(`${message} at ${location}. Create it (createdb), or fix the database name in the URL.`)
  if (code === '53300')
    return unavailable(
      `PostgreSQL at ${location} has no connection left: ${message}. Lower the pool size of the Trellis ` +
        'processes, or raise max_connections on the server.',
    )
  if (code === '42501')
    return unavailable(
      `PostgreSQL at ${location} refused: ${message}. The user needs the privileges to create and use the ` +
        'schema and its tables.',
    )
  if (code.startsWith('08') || code.startsWith('53') || code.startsWith('57P') || code === '58030')
    return unavailable(`The PostgreSQL database at ${location} cannot be used now: ${message} (${code}).`)
  return error
}
