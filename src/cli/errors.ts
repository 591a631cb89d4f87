import { TrellisError } from '../util/index.js'

/** The command line itself is wrong (a bad `--input`, `--limit 0`, a `--data` that is not JSON): exit 2. */
export class UsageError extends TrellisError {
  readonly code = 'INVALID_OPTION'
}

/** No execution has that id in the `--db` database (exit 5). */
export class NoSuchExecutionError extends TrellisError {
  readonly code = 'NOT_FOUND'
  readonly executionId: string
  constructor(executionId: string, why = 'check the id, or the --db it was started with') {
    super(`no such execution "${executionId}" (${why})`)
    this.executionId = executionId
  }
}

/**
 * What commands that need an execution do when the database does not exist: they create none and say that
 * there is no such execution.
 */
export function missingDatabase(executionId: string, db: string | undefined): () => never {
  return () => {
    throw new NoSuchExecutionError(executionId, `there is no database at ${db ?? './.trellis/trellis.db'}`)
  }
}

/**
 * Renders anything thrown for stderr: one readable sentence (a definition's problems keep their formatted
 * `file:line:column` lines), and the stack trace only with `--verbose`.
 */
export function renderError(error: unknown, verbose: boolean): string {
  const { code, executionId } = (error ?? {}) as { code?: unknown; executionId?: unknown }
  // The engine's "not found" names the execution; the CLI says it the way cli.md's exit-code table does.
  const message =
    code === 'NOT_FOUND' && typeof executionId === 'string' && !(error instanceof NoSuchExecutionError)
      ? new NoSuchExecutionError(executionId).message
      : messageOf(error)
  const known = error instanceof TrellisError || typeof code === 'string'
  let text = code === 'INVALID_DEFINITION' ? message : `error: ${message}`
  if (verbose) {
    text += `\n${stackOf(error)}`
  } else if (!known) {
    text += ' (this looks like a bug; run again with --verbose for the stack trace)'
  }
  return text
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message.length > 0 ? error.message : error.name
  if (typeof error === 'string') return error
  return `unexpected ${typeof error} thrown: ${String(error)}`
}

/** The stack of the error and of its causes, for `--verbose`. */
function stackOf(error: unknown): string {
  const parts: string[] = []
  let current: unknown = error
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    const stack =
      current instanceof Error ? (current.stack ?? `${current.name}: ${current.message}`) : JSON.stringify(current)
    parts.push(depth === 0 ? stack : `Caused by: ${stack}`)
    current = current instanceof Error ? current.cause : undefined
  }
  return parts.join('\n')
}
