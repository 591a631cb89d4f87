import type { AttemptRecord, ExecutionStatus, LoadedExecution, NewAttempt, UnheldDecision } from '../store/index.js'
import { decide, type Command, type DecideEnv, type DecisionInput } from './decide.js'
import { newAttemptOf } from './attempt-body.js'
import { ExecutionState, hasChanges, inFlightKey } from './state.js'

/** What a worker or a requester asks of a detached execution: an input, or `due` (start it or catch up). */
export type DetachedInput = DecisionInput | 'due'

/** A decision on a detached execution, and the status it leaves the execution in. */
export interface DetachedDecision {
  readonly decision: UnheldDecision | null
  readonly status: ExecutionStatus
}

/** The state of a detached execution as committed, with its attempt rows as the attempts in flight. */
export function detachedState(
  loaded: LoadedExecution,
  attempts: readonly AttemptRecord[],
  options: { now: number; dropExpired: boolean },
): { state: ExecutionState; expired: { step: string; index: number | null }[] } {
  const state = new ExecutionState(loaded)
  const expired: { step: string; index: number | null }[] = []
  for (const attempt of attempts) {
    const over = attempt.holderId !== null && attempt.expiresAt !== null && attempt.expiresAt <= options.now
    if (options.dropExpired && over) expired.push({ step: attempt.step, index: attempt.index })
    else state.inFlight.add(inFlightKey(attempt.step, attempt.index))
  }
  return { state, expired }
}

/**
 * Decides on an execution nobody holds (typescript-api.md: the decisions that follow an attempt's end are taken
 * under the execution's row lock). `state` is the committed state (see `detachedState`, or a state this process
 * kept from its own last decision on the same version); `removeAttempts` starts with the attempt rows to drop (with
 * `due`, those whose worker's lease ran out, so `recover` starts them again as new attempts: guarantee 8). Stored
 * operator requests are applied first and untaken signals delivered after, whatever the input; a pause that waits
 * for running attempts stays stored until it takes effect, so a state read afresh knows of it too.
 */
export function decideDetached(
  state: ExecutionState,
  removeAttempts: { step: string; index: number | null }[],
  input: DetachedInput,
  env: DecideEnv,
): DetachedDecision {
  const requests = state.requests
  const inputs: DecisionInput[] = []
  if (requests.pause !== undefined || requests.cancel !== undefined || requests.resume !== undefined) {
    inputs.push({ kind: 'requests' })
  }
  inputs.push(input === 'due' ? { kind: state.status === 'pending' ? 'start' : 'recover' } : input)
  if (state.signals.length > 0) inputs.push({ kind: 'signals' })

  const events = []
  const added = new Map<string, NewAttempt>()
  for (const next of inputs) {
    const decision = decide(state, next, env)
    events.push(...decision.events)
    for (const command of decision.commands) applyCommand(command, added, removeAttempts)
  }
  // A pause waiting for running attempts: keep its request stored until it is in effect.
  if (state.pauseRequested !== null && requests.pause !== undefined) {
    state.clearedRequests = state.clearedRequests.filter((r) => r !== 'pause')
    state.requests = { ...state.requests, pause: requests.pause }
  }
  const changes = state.takeChanges()
  const empty = added.size === 0 && removeAttempts.length === 0 && !hasChanges(changes, events)
  return {
    status: state.status,
    decision: empty ? null : { changes: { ...changes, events }, addAttempts: [...added.values()], removeAttempts },
  }
}

function applyCommand(
  command: Command,
  added: Map<string, NewAttempt>,
  removed: { step: string; index: number | null }[],
): void {
  const key = inFlightKey(command.step, command.index)
  if (command.kind === 'abort-attempt') {
    // Aborting an attempt decided in this same transaction: it is never stored.
    if (!added.delete(key)) removed.push({ step: command.step, index: command.index })
    return
  }
  added.set(key, newAttemptOf(command))
}
