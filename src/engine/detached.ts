import type { AttemptRecord, ExecutionStatus, LoadedExecution, NewAttempt, UnheldDecision } from '../store/index.js'
import { decide, type Command, type DecideEnv, type DecisionInput } from './decide.js'
import { ExecutionState } from './state.js'

/** What a worker or a requester asks of a detached execution: an input, or `due` (start it or catch up). */
export type DetachedInput = DecisionInput | 'due'

/** A decision on a detached execution, and the status it leaves the execution in. */
export interface DetachedDecision {
  readonly decision: UnheldDecision | null
  readonly status: ExecutionStatus
}

/**
 * Decides on an execution nobody holds, from its committed state and its attempt rows (typescript-api.md: the
 * decisions that follow an attempt's end are taken under the execution's row lock). The attempt rows are the
 * attempts in flight; with `due`, rows whose worker's lease ran out are dropped, so `recover` starts those steps
 * again as new attempts (guarantee 8). Stored operator requests are applied first and untaken signals delivered
 * after, whatever the input: a fresh state has no memory of an earlier decision, so a pause that waits for running
 * attempts stays stored until it takes effect.
 */
export function decideDetached(
  loaded: LoadedExecution,
  attempts: readonly AttemptRecord[],
  input: DetachedInput,
  env: DecideEnv,
): DetachedDecision {
  const state = new ExecutionState(loaded)
  const removeAttempts: { step: string; index: number | null }[] = []
  for (const attempt of attempts) {
    const expired = attempt.holderId !== null && attempt.expiresAt !== null && attempt.expiresAt <= env.now
    if (input === 'due' && expired) removeAttempts.push({ step: attempt.step, index: attempt.index })
    else state.inFlight.add(attempt.index === null ? attempt.step : `${attempt.step}#${attempt.index}`)
  }
  const requests = loaded.execution.requests
  const inputs: DecisionInput[] = []
  if (requests.pause !== undefined || requests.cancel !== undefined || requests.resume !== undefined) {
    inputs.push({ kind: 'requests' })
  }
  inputs.push(input === 'due' ? { kind: loaded.execution.status === 'pending' ? 'start' : 'recover' } : input)
  if (state.signals.length > 0) inputs.push({ kind: 'signals' })

  const events = []
  const added = new Map<string, NewAttempt>()
  for (const next of inputs) {
    const decision = decide(state, next, env)
    events.push(...decision.events)
    for (const command of decision.commands) applyCommand(command, added, removeAttempts)
  }
  // A pause waiting for running attempts is not in memory next time: keep its request stored until it is in effect.
  if (state.pauseRequested !== null) state.clearedRequests = state.clearedRequests.filter((r) => r !== 'pause')
  const changes = state.takeChanges()
  const empty =
    events.length === 0 &&
    added.size === 0 &&
    removeAttempts.length === 0 &&
    changes.steps.length === 0 &&
    changes.iterations.length === 0 &&
    Object.keys(changes.execution).length === 0 &&
    changes.consumeSignals.length === 0 &&
    changes.clearRequests.length === 0
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
  const key = command.index === null ? command.step : `${command.step}#${command.index}`
  if (command.kind === 'abort-attempt') {
    // Aborting an attempt decided in this same transaction: it is never stored.
    if (!added.delete(key)) removed.push({ step: command.step, index: command.index })
    return
  }
  const spec = command.spec
  added.set(key, {
    step: command.step,
    index: command.index,
    attempt: command.attempt,
    kind: spec.kind,
    target: spec.kind === 'action' ? spec.action : spec.workflow,
    input: command.input,
    timeoutMs: command.timeoutMs,
  })
}
