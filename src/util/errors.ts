/**
 * Stable error codes. Public contract: CLI --json, HTTP bodies, event data.
 * Actions bring their own codes (`HTTP_STATUS`, `EXIT_CODE`, …); these are the engine's.
 */
export type ErrorCode =
  | 'INVALID_DEFINITION'
  | 'INVALID_INPUT'
  | 'INVALID_OPTION'
  | 'NOT_FOUND'
  | 'INVALID_STATE'
  | 'CONFLICT'
  | 'LEASE_LOST'
  | 'SCHEMA_TOO_NEW'
  | 'STORE_UNAVAILABLE'
  | 'TIMEOUT'
  | 'CANCELLED'
  | 'ACTION_FAILED'
  | 'INVALID_OUTPUT'
  | 'EXPRESSION_ERROR'
  | 'OUTPUT_ERROR'
  | 'INTERNAL'

/** An error as it appears in events, step records and wire JSON. */
export interface ErrorInfo {
  readonly code: string
  readonly message: string
}

/** Base of every error Trellis throws on purpose; `code` is stable, `message` says what to do. */
export abstract class TrellisError extends Error {
  abstract readonly code: ErrorCode
  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
    this.name = new.target.name
  }
  toJSON(): ErrorInfo {
    return { code: this.code, message: this.message }
  }
}

/** A caller passed an option that cannot work (`--concurrency 0`, a bad `--db` URL). */
export class InvalidOptionError extends TrellisError {
  readonly code = 'INVALID_OPTION'
  readonly option: string
  constructor(option: string, message: string) {
    super(`Invalid option ${option}: ${message}`)
    this.option = option
  }
}

/** Something that should be impossible happened; the message says what. */
export class InternalError extends TrellisError {
  readonly code = 'INTERNAL'
}

/** Reads `code` and `message` from anything thrown, without `instanceof` (modules may bundle their own copy). */
export function errorInfoOf(error: unknown, defaultCode = 'ACTION_FAILED'): ErrorInfo {
  if (error !== null && typeof error === 'object') {
    const { code, message } = error as { code?: unknown; message?: unknown }
    return {
      code: typeof code === 'string' && code.length > 0 ? code : defaultCode,
      message: typeof message === 'string' ? message : JSON.stringify(error),
    }
  }
  return { code: defaultCode, message: String(error) }
}
