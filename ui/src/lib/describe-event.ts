import type { ApiEvent } from '../api/types.js'
import { formatDuration, formatInline } from './format.js'

/** One line about what an event says, for the event log. */
export function describeEvent(event: ApiEvent): string {
  switch (event.type) {
    case 'execution.started':
      return `inputs ${formatInline(event.data.inputs)}`
    case 'step.started':
      return `attempt ${event.data.attempt}`
    case 'step.completed':
      return `output ${formatInline(event.data.output)}`
    case 'step.retrying':
      return `${event.data.error.code}: ${event.data.error.message} · next attempt in ${formatDuration(event.data.delay_ms)}`
    case 'step.failed':
      return `${event.data.error.code}: ${event.data.error.message}${event.data.handled ? ' (handled)' : ''}`
    case 'step.skipped':
      return `reason: ${event.data.reason}`
    case 'step.waiting': {
      const data = event.data
      switch (data.kind) {
        case 'signal':
          return `signal ${data.topic}${data.wake_at === null ? '' : ` · times out at ${data.wake_at}`}`
        case 'sleep':
          return `sleep until ${data.wake_at}`
        case 'pause':
          return `pause: ${data.reason}`
      }
      break
    }
    case 'step.cancelled':
      return event.data.reason
    case 'signal.received':
      return `${event.data.topic} ${formatInline(event.data.data)}`
    case 'execution.suspended':
      return `waiting on ${event.data.waiting_on.join(', ')}`
    case 'execution.paused':
      return event.data.reason ?? 'by operator'
    case 'execution.resumed':
      return `from ${event.data.from}`
    case 'execution.completed':
      return `outputs ${formatInline(event.data.outputs)}`
    case 'execution.failed':
      return `${event.data.error.code}: ${event.data.error.message}`
    case 'execution.cancelled':
      return event.data.reason ?? 'by operator'
  }
}
