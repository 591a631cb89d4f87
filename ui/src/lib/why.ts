import type { ApiEdgeKind, ApiExecution, ApiGraph, ApiStep } from '../api/types.js'
import { type EventIndex, pausedMsAfter } from './event-index.js'
import { formatClock, formatDuration, formatList } from './format.js'
import { isStepDone, isTerminal } from './status.js'

/** What holds a step back, as a sentence. Step names and topics are quoted with backticks. */
export interface Reason {
  readonly step: string | null
  readonly kind: 'execution' | 'signal' | 'sleep' | 'retry' | 'pause' | 'dependencies' | 'ready'
  readonly text: string
}

const q = (name: string): string => `\`${name}\``

/**
 * "Why is this not progressing?": for a non-terminal execution, one sentence about the execution when it is
 * held as a whole (paused, suspended, not picked up yet), then one for every step that is not running and
 * not done: what it waits for, since when, and when that ends. Steps whose dependencies are busy come
 * before those blocked behind other blocked steps. Empty for a terminal execution.
 */
export function explainExecution(execution: ApiExecution, graph: ApiGraph, index: EventIndex, now: number): Reason[] {
  if (isTerminal(execution.status)) return []
  const steps = execution.steps
  const reasons: Reason[] = []
  const heldAsWhole = executionReason(execution, index, now)
  if (heldAsWhole !== null) reasons.push(heldAsWhole)

  const incoming = new Map<string, { from: string; kind: ApiEdgeKind }[]>()
  for (const edge of graph.edges) {
    let list = incoming.get(edge.to)
    if (list === undefined) incoming.set(edge.to, (list = []))
    list.push({ from: edge.from, kind: edge.kind })
  }

  const parked: Reason[] = []
  const nearBlocked: Reason[] = []
  const farBlocked: Reason[] = []
  for (const name of graph.order) {
    const step = steps[name]
    if (step === undefined || step.status === 'running' || isStepDone(step.status)) continue
    switch (step.status) {
      case 'waiting':
        parked.push(waitingReason(name, execution, index, now))
        break
      case 'paused':
        parked.push(pausedStepReason(name, index))
        break
      case 'retrying':
        parked.push(retryReason(name, step, execution, index, now))
        break
      case 'pending': {
        const blockers = pendingReason(name, incoming.get(name) ?? [], steps)
        if (blockers === null) nearBlocked.push(readyReason(name, execution))
        else (blockers.near ? nearBlocked : farBlocked).push(blockers.reason)
        break
      }
      case 'completed':
      case 'failed':
      case 'skipped':
      case 'cancelled':
        break
    }
  }
  return [...reasons, ...parked, ...nearBlocked, ...farBlocked]
}

function executionReason(execution: ApiExecution, index: EventIndex, now: number): Reason | null {
  switch (execution.status) {
    case 'pending':
      return {
        step: null,
        kind: 'execution',
        text: `Not started yet: no worker has picked it up since ${formatClock(execution.created_at, now)}.`,
      }
    case 'paused': {
      const paused = index.lastPaused
      const since = paused === null ? '' : ` since ${formatClock(paused.at, now)}`
      const pauseSteps = Object.entries(execution.steps).filter(([, s]) => s.status === 'paused')
      if (pauseSteps.length > 0) {
        return {
          step: null,
          kind: 'execution',
          text: `Paused by step ${formatList(pauseSteps.map(([n]) => q(n)))}${since}; resume it to go on.`,
        }
      }
      const reason = paused?.data.reason ?? null
      return {
        step: null,
        kind: 'execution',
        text: `Paused by operator${since}${reason === null ? '' : ` (${reason})`}; nothing new starts until it is resumed.`,
      }
    }
    case 'suspended': {
      const on = index.lastSuspended?.data.waiting_on ?? []
      const since = index.lastSuspended === null ? '' : ` since ${formatClock(index.lastSuspended.at, now)}`
      return {
        step: null,
        kind: 'execution',
        text: `Suspended${since}: every live branch is parked${on.length > 0 ? ` (${formatList(on.map(q))})` : ''}.`,
      }
    }
    case 'running':
    case 'completed':
    case 'failed':
    case 'cancelled':
      return null
  }
}

function waitingReason(name: string, execution: ApiExecution, index: EventIndex, now: number): Reason {
  const event = index.waiting.get(name)
  if (event === undefined) return { step: name, kind: 'signal', text: `${q(name)} is waiting.` }
  const since = formatClock(event.at, now)
  const data = event.data
  switch (data.kind) {
    case 'signal': {
      let text = `${q(name)} is waiting for signal ${q(data.topic)} since ${since}`
      if (data.wake_at !== null) text += `; it times out ${dueText(data.wake_at, event.seq, execution, index, now)}`
      return { step: name, kind: 'signal', text: `${text}.` }
    }
    case 'sleep':
      return {
        step: name,
        kind: 'sleep',
        text: `${q(name)} is sleeping since ${since}; it wakes ${dueText(data.wake_at, event.seq, execution, index, now)}.`,
      }
    case 'pause':
      return { step: name, kind: 'pause', text: `${q(name)} paused the execution: ${data.reason}.` }
  }
}

/** `at 10:05 (in 2 min)`, or how it stands while the execution's clocks stand still. */
function dueText(wakeAt: string, seq: number, execution: ApiExecution, index: EventIndex, now: number): string {
  const due = Date.parse(wakeAt) + pausedMsAfter(index, seq, now)
  if (execution.status === 'paused') return `${formatDuration(due - now)} after the execution is resumed`
  const when = formatClock(new Date(due).toISOString(), now)
  return due > now ? `at ${when} (in ${formatDuration(due - now)})` : `now (it was due at ${when})`
}

function pausedStepReason(name: string, index: EventIndex): Reason {
  const event = index.waiting.get(name)
  const reason = event?.data.kind === 'pause' ? `: ${event.data.reason}` : ''
  return { step: name, kind: 'pause', text: `${q(name)} paused the execution${reason}; resume it to go on.` }
}

function retryReason(name: string, step: ApiStep, execution: ApiExecution, index: EventIndex, now: number): Reason {
  const event = index.retrying.get(name)
  if (event === undefined) return { step: name, kind: 'retry', text: `${q(name)} will be retried.` }
  const failed = `attempt ${event.data.attempt} failed with ${event.data.error.code}: ${event.data.error.message}`
  if (execution.status === 'paused') {
    return {
      step: name,
      kind: 'retry',
      text: `${q(name)} retries once the execution is resumed (${failed}).`,
    }
  }
  const due = Date.parse(event.at) + event.data.delay_ms + pausedMsAfter(index, event.seq, now)
  const next = step.attempts + 1
  const text =
    due > now
      ? `${q(name)} is retrying in ${formatDuration(due - now)} after ${failed}.`
      : `${q(name)} is due for attempt ${next} since ${formatDuration(now - due)}, after ${failed}; waiting for a worker.`
  return { step: name, kind: 'retry', text }
}

const VERB: Record<Exclude<ApiEdgeKind, 'needs' | 'needs_any'>, string> = {
  on_success: 'to succeed',
  on_failure: 'to fail',
  on_complete: 'to finish',
  on_timeout: 'to time out',
}

/** A pending step's unfinished dependencies; null when none is left (it is ready). */
function pendingReason(
  name: string,
  incoming: readonly { from: string; kind: ApiEdgeKind }[],
  steps: ApiExecution['steps'],
): { reason: Reason; near: boolean } | null {
  const unfinished = (from: string): boolean => {
    const status = steps[from]?.status
    return status !== undefined && !isStepDone(status)
  }
  const busy = (from: string): boolean => {
    const status = steps[from]?.status
    return status !== undefined && status !== 'pending' && !isStepDone(status)
  }
  const needs = incoming.filter((e) => e.kind === 'needs' && unfinished(e.from)).map((e) => e.from)
  const anyOf = incoming.filter((e) => e.kind === 'needs_any').map((e) => e.from)
  const anyDone = anyOf.some((from) => steps[from]?.status === 'completed')
  const anyOpen = anyDone ? [] : anyOf.filter(unfinished)
  const transitions = incoming.filter((e) => e.kind !== 'needs' && e.kind !== 'needs_any' && unfinished(e.from))

  const parts: string[] = []
  if (needs.length > 0) parts.push(formatList(needs.map(q)))
  if (anyOpen.length > 0)
    parts.push(anyOpen.length === 1 ? q(anyOpen[0]!) : `one of ${formatList(anyOpen.map(q), 'or')}`)
  for (const t of transitions) parts.push(`${q(t.from)} ${VERB[t.kind as keyof typeof VERB]}`)
  if (parts.length === 0) return null
  const near = [...needs, ...anyOpen, ...transitions.map((t) => t.from)].some(busy)
  return { reason: { step: name, kind: 'dependencies', text: `${q(name)} is waiting for ${formatList(parts)}.` }, near }
}

function readyReason(name: string, execution: ApiExecution): Reason {
  const text =
    execution.status === 'paused'
      ? `${q(name)} is ready but held back while the execution is paused.`
      : execution.status === 'pending'
        ? `${q(name)} is ready; it starts when a worker picks up the execution.`
        : `${q(name)} is ready and starts as soon as a worker has a free slot.`
  return { step: name, kind: 'ready', text }
}
