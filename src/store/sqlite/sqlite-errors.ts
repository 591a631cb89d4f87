import { StoreUnavailableError } from '../index.js'

/** SQLite result codes that mean "the database cannot be used right now", not "this request is wrong". */
const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|CORRUPT|NOTADB|PERM|PROTOCOL)/

/**
 * Turns a better-sqlite3 error that means the database is unusable (busy past the timeout, disk full, not a
 * database, …) into StoreUnavailableError with a message that says what to do; anything else is returned as is.
 */
export function toStoreError(error: unknown, location: string, busyTimeoutMs: number): unknown {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code !== 'string' || !UNAVAILABLE.test(code)) return error
  const message = (error as Error).message
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StoreUnavailableError(
      `The database at ${location} is busy: another process held its write lock for over ${busyTimeoutMs} ms ` +
        `(${message}). Try again, or raise the busy timeout.`,
      { cause: error },
    )
  }
  return new StoreUnavailableError(`The database at ${location} cannot be used: ${message} (${code}).`, {
    cause: error,
  })
}
