import { TrellisError } from '../util/index.js'

export { InvalidStateError, ExecutionNotFoundError, LeaseLostError } from '../store/index.js'

/** `--id` names an existing execution of another workflow or with other inputs. */
export class IdConflictError extends TrellisError {
  readonly code = 'CONFLICT'
  readonly executionId: string
  constructor(executionId: string, why: string) {
    super(
      `Execution "${executionId}" exists already ${why}. Use another --id, or the same workflow and inputs to follow it.`,
    )
    this.executionId = executionId
  }
}

/** A workflow name that nobody registered. */
export class UnknownWorkflowError extends TrellisError {
  readonly code = 'NOT_FOUND'
  constructor(name: string, known: readonly string[]) {
    super(
      `No workflow "${name}" is registered${known.length > 0 ? ` (registered: ${known.join(', ')})` : ''}. ` +
        'Register it with engine.register(), or pass the workflow itself.',
    )
  }
}

/** `handle.result({ timeoutMs })` gave up before the execution ended (it goes on). */
export class ResultTimeoutError extends TrellisError {
  readonly code = 'TIMEOUT'
  readonly executionId: string
  constructor(executionId: string, timeoutMs: number) {
    super(`Execution ${executionId} did not end within ${timeoutMs}ms; it goes on in the store.`)
    this.executionId = executionId
  }
}

/** The engine was closed while someone waited on it. */
export class EngineClosedError extends TrellisError {
  readonly code = 'CANCELLED'
  constructor() {
    super('The engine was closed; the execution stays resumable.')
  }
}
