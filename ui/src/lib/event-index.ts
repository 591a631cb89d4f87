import type { ApiEvent } from '../api/types.js'

type EventOf<T extends ApiEvent['type']> = Extract<ApiEvent, { type: T }>

/** What the "why" panel and the timeline need from an event log, gathered in one pass. */
export interface EventIndex {
  /** The last `step.waiting` of each step (of the step itself or any of its iterations). */
  readonly waiting: ReadonlyMap<string, EventOf<'step.waiting'>>
  /** The last `step.retrying` of each step. */
  readonly retrying: ReadonlyMap<string, EventOf<'step.retrying'>>
  /** Intervals during which the execution was paused (`end` null: still paused), in order. */
  readonly pauses: readonly PauseInterval[]
  readonly lastPaused: EventOf<'execution.paused'> | null
  readonly lastSuspended: EventOf<'execution.suspended'> | null
}

export interface PauseInterval {
  readonly seq: number
  readonly start: number
  readonly end: number | null
}

export function indexEvents(events: readonly ApiEvent[]): EventIndex {
  const waiting = new Map<string, EventOf<'step.waiting'>>()
  const retrying = new Map<string, EventOf<'step.retrying'>>()
  const pauses: PauseInterval[] = []
  let lastPaused: EventOf<'execution.paused'> | null = null
  let lastSuspended: EventOf<'execution.suspended'> | null = null
  let open: { seq: number; start: number } | null = null
  for (const event of events) {
    switch (event.type) {
      case 'step.waiting':
        if (event.step !== null) waiting.set(event.step, event)
        break
      case 'step.retrying':
        if (event.step !== null) retrying.set(event.step, event)
        break
      case 'execution.paused':
        lastPaused = event
        open ??= { seq: event.seq, start: Date.parse(event.at) }
        break
      case 'execution.suspended':
        lastSuspended = event
        break
      case 'execution.resumed':
      case 'execution.completed':
      case 'execution.failed':
      case 'execution.cancelled':
        if (open !== null) {
          pauses.push({ ...open, end: Date.parse(event.at) })
          open = null
        }
        break
      case 'execution.started':
      case 'step.started':
      case 'step.completed':
      case 'step.failed':
      case 'step.skipped':
      case 'step.cancelled':
      case 'signal.received':
        break
    }
  }
  if (open !== null) pauses.push({ ...open, end: null })
  return { waiting, retrying, pauses, lastPaused, lastSuspended }
}

/**
 * How long the execution stood paused after the event numbered `seq`: its clocks stood still meanwhile
 * (execution-model.md), so a timer set then is due that much later.
 */
export function pausedMsAfter(index: EventIndex, seq: number, now: number): number {
  let total = 0
  for (const pause of index.pauses) if (pause.seq > seq) total += (pause.end ?? now) - pause.start
  return total
}
