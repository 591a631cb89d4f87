import { TrellisError } from '../util/index.js'

/** A write was fenced off: another process holds the execution now. */
export class LeaseLostError extends TrellisError {
  readonly code = 'LEASE_LOST'
  readonly executionId: string
  constructor(executionId: string) {
    super(`Lost the lease on execution ${executionId}: another process holds it now; this process stops touching it.`)
    this.executionId = executionId
  }
}

/** No execution has that id. */
export class ExecutionNotFoundError extends TrellisError {
  readonly code = 'NOT_FOUND'
  readonly executionId: string
  constructor(executionId: string) {
    super(`No execution "${executionId}" in this database. Check the id, or the --db it was started with.`)
    this.executionId = executionId
  }
}

/** The database was written by a newer Trellis. */
export class SchemaTooNewError extends TrellisError {
  readonly code = 'SCHEMA_TOO_NEW'
  constructor(location: string, found: number, known: number) {
    super(
      `The database at ${location} has schema version ${found}, but this trellis knows up to ${known}. ` +
        'Upgrade trellis, or point --db at another database.',
    )
  }
}

/** The database cannot be opened or reached. */
export class StoreUnavailableError extends TrellisError {
  readonly code = 'STORE_UNAVAILABLE'
}

/** An operation that the execution's state refuses (retry of a completed execution, a signal to an ended one). */
export class InvalidStateError extends TrellisError {
  readonly code = 'INVALID_STATE'
  readonly executionId: string
  readonly status: string
  constructor(executionId: string, status: string, message: string) {
    super(message)
    this.executionId = executionId
    this.status = status
  }
}
