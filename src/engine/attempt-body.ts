import { actionFailureOf, type ActionRegistry } from '../actions/index.js'
import type { NewAttempt } from '../store/index.js'
import { errorInfoOf, findNonJson, type Clock, type Logger } from '../util/index.js'
import type { AttemptOutcome, Command } from './decide.js'

/** One attempt to carry out, wherever it was decided (a holder's runner or a worker's claim). */
export type AttemptToRun = NewAttempt & { readonly executionId: string }

/** The attempt a `start-attempt` command asks for. */
export function newAttemptOf(command: Extract<Command, { kind: 'start-attempt' }>): NewAttempt {
  return {
    step: command.step,
    index: command.index,
    attempt: command.attempt,
    kind: command.spec.kind,
    target: command.spec.kind === 'action' ? command.spec.action : command.spec.workflow,
    input: command.input,
    timeoutMs: command.timeoutMs,
  }
}

/**
 * Wraps every attempt's body (for example to make a tracing span current while the action runs). Must call `body`
 * once and return what it returns.
 */
export type AroundAttempt = <T>(attempt: AttemptToRun, body: () => Promise<T>) => Promise<T>

/** What carrying out an attempt needs. */
export interface AttemptDeps {
  readonly clock: Clock
  readonly actions: ActionRegistry
  readonly logger: Logger
  readonly aroundAttempt?: AroundAttempt | null
  /** Runs the child execution of a `workflow` step; resolves with its outputs. */
  runChild(attempt: AttemptToRun, signal: AbortSignal): Promise<unknown>
}

/** The abort reason of a process stopping: the attempt stays resumable and no outcome is recorded. */
export const SHUTDOWN = Symbol('shutdown')

/**
 * Runs one attempt's body under `controller` (aborted on timeout, cancel or shutdown) and says how it ended: the
 * output (`undefined` is `null`; anything not JSON fails with INVALID_OUTPUT), or the error with its code and
 * whether it may be retried. Resolves with null when it was stopped by SHUTDOWN.
 */
export async function performAttempt(
  deps: AttemptDeps,
  attempt: AttemptToRun,
  controller: AbortController,
): Promise<AttemptOutcome | null> {
  const cancelTimer =
    attempt.timeoutMs === null
      ? null
      : deps.clock.setTimer(attempt.timeoutMs, () =>
          controller.abort({ code: 'TIMEOUT', message: `The attempt timed out after ${attempt.timeoutMs}ms.` }),
        )
  try {
    const body = (): Promise<unknown> => raceAbort(execute(deps, attempt, controller.signal), controller.signal)
    // typescript-api.md: an action that returns `undefined` gives `null`.
    const output = (await (deps.aroundAttempt ? deps.aroundAttempt(attempt, body) : body())) ?? null
    const bad = findNonJson(output)
    return bad === null
      ? { ok: true, output }
      : {
          ok: false,
          error: { code: 'INVALID_OUTPUT', message: `The step's output is not JSON (at ${bad}).` },
          retryable: false,
        }
  } catch (error) {
    if (controller.signal.aborted) {
      if (controller.signal.reason === SHUTDOWN) return null
      return { ok: false, error: errorInfoOf(controller.signal.reason, 'CANCELLED'), retryable: true }
    }
    const failure = actionFailureOf(error)
    return { ok: false, error: { code: failure.code, message: failure.message }, retryable: failure.retryable }
  } finally {
    cancelTimer?.()
  }
}

async function execute(deps: AttemptDeps, attempt: AttemptToRun, signal: AbortSignal): Promise<unknown> {
  if (attempt.kind === 'workflow') return deps.runChild(attempt, signal)
  const action = deps.actions.get(attempt.target)
  const { executionId, step, index } = attempt
  return action(attempt.input, {
    signal,
    attempt: attempt.attempt,
    idempotencyKey: index === null ? `${executionId}/${step}` : `${executionId}/${step}/${index}`,
    executionId,
    step,
    index,
    logger: deps.logger.child({ execution_id: executionId, step, attempt: attempt.attempt, index }),
  })
}

/** Settles with the promise, or rejects as soon as the signal aborts (an action that ignores its signal is left behind). */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error)
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        // The action's own error, passed on unchanged: the engine reads its code and message, whatever it is.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        reject(error)
      },
    )
  })
}
