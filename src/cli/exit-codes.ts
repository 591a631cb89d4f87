import type { ExecutionStatus } from '../store/index.js'
import type { ErrorCode } from '../util/index.js'

/** What a command's run came to, as cli.md's exit-code table names it. */
export type Outcome =
  'ok' | 'failed' | 'error' | 'usage' | 'cancelled' | 'timeout' | 'not-found' | 'invalid-state' | 'interrupted'

/** The one table from outcome to exit code (cli.md, "Exit codes"). */
export const EXIT_CODE = {
  /** The execution completed, or the command did what it was asked. */
  ok: 0,
  /** The execution failed. */
  failed: 1,
  /** Something went wrong that is none of the below (a store that cannot be opened, a bug). */
  error: 1,
  /** Bad usage, an invalid definition or invalid inputs: nothing was created. */
  usage: 2,
  /** The execution was cancelled. */
  cancelled: 3,
  /** `--timeout` passed before the execution ended; it goes on in the store. */
  timeout: 4,
  /** No such execution. */
  'not-found': 5,
  /** The execution's state refuses the request. */
  'invalid-state': 6,
  /** Interrupted (Ctrl-C); the execution is resumable. */
  interrupted: 130,
} as const satisfies Record<Outcome, number>

/** The outcome each stable error code stands for when it reaches the command line. */
const OUTCOME_BY_CODE = {
  INVALID_DEFINITION: 'usage',
  INVALID_INPUT: 'usage',
  INVALID_OPTION: 'usage',
  CONFLICT: 'usage',
  NOT_FOUND: 'not-found',
  INVALID_STATE: 'invalid-state',
  LEASE_LOST: 'invalid-state',
  TIMEOUT: 'timeout',
  CANCELLED: 'interrupted',
  SCHEMA_TOO_NEW: 'error',
  STORE_UNAVAILABLE: 'error',
  ACTION_FAILED: 'error',
  INVALID_OUTPUT: 'error',
  EXPRESSION_ERROR: 'error',
  OUTPUT_ERROR: 'error',
  INTERNAL: 'error',
} as const satisfies Record<ErrorCode, Outcome>

/** The outcome of anything thrown: by its `code` (read without `instanceof`), else `error`. */
export function outcomeOfError(error: unknown): Outcome {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string' && Object.hasOwn(OUTCOME_BY_CODE, code)) {
    return OUTCOME_BY_CODE[code as ErrorCode]
  }
  return 'error'
}

/**
 * The outcome of an execution that a command followed (`run`, `resume`, `retry`): completed, failed or cancelled.
 * A status that has not ended is `timeout` (the command stopped following it before its end).
 */
export function outcomeOfStatus(status: ExecutionStatus): Outcome {
  switch (status) {
    case 'completed':
      return 'ok'
    case 'failed':
      return 'failed'
    case 'cancelled':
      return 'cancelled'
    case 'pending':
    case 'running':
    case 'suspended':
    case 'paused':
      return 'timeout'
  }
}
