import type { ErrorInfo } from '../util/index.js'

/** An execution's error: the first unhandled failure, or an engine-level one (`step` null). */
export interface ExecutionErrorInfo extends ErrorInfo {
  readonly step: string | null
}

/** Why a step was decided not to run. */
export type SkipReason = 'condition' | 'upstream' | 'ended'

/** Payload of each event type, exactly as specified in execution-model.md. */
export interface EventDataMap {
  'execution.started': { inputs: Record<string, unknown> }
  'step.started': { attempt: number; index?: number }
  'step.completed': { output: unknown }
  'step.retrying': { attempt: number; error: ErrorInfo; delay_ms: number }
  'step.failed': { attempt: number | null; error: ErrorInfo; handled: boolean }
  'step.skipped': { reason: SkipReason }
  'step.waiting':
    | { kind: 'sleep'; wake_at: string }
    | { kind: 'signal'; topic: string; wake_at: string | null }
    | { kind: 'pause'; reason: string }
  'step.cancelled': { reason: string }
  'signal.received': { topic: string; data: unknown }
  'execution.suspended': { waiting_on: string[] }
  'execution.paused': { reason: string | null }
  'execution.resumed': { from: 'paused' | 'suspended' | 'failed' }
  'execution.completed': { outputs: Record<string, unknown> }
  'execution.failed': { error: ExecutionErrorInfo }
  'execution.cancelled': { reason: string | null }
}

/** Every event type. */
export type EventType = keyof EventDataMap

/** The event types as a list, in the order of the spec's table. */
export const EVENT_TYPES = [
  'execution.started',
  'step.started',
  'step.completed',
  'step.retrying',
  'step.failed',
  'step.skipped',
  'step.waiting',
  'step.cancelled',
  'signal.received',
  'execution.suspended',
  'execution.paused',
  'execution.resumed',
  'execution.completed',
  'execution.failed',
  'execution.cancelled',
] as const satisfies readonly EventType[]

/** One entry of an execution's event log; persisted, streamed and printed as is (wire spelling). */
export type TrellisEvent<T extends EventType = EventType> = {
  [K in T]: {
    readonly seq: number
    readonly type: K
    readonly execution_id: string
    readonly at: string
    readonly step: string | null
    readonly attempt: number | null
    readonly index: number | null
    readonly data: EventDataMap[K]
  }
}[T]

/** An event before the store numbers it: everything but `seq`, `execution_id` and `at`. */
export type PendingEvent<T extends EventType = EventType> = {
  [K in T]: {
    readonly type: K
    readonly step: string | null
    readonly attempt: number | null
    readonly index: number | null
    readonly data: EventDataMap[K]
  }
}[T]

/** The three terminal event types. */
export const TERMINAL_EVENT_TYPES: ReadonlySet<EventType> = new Set([
  'execution.completed',
  'execution.failed',
  'execution.cancelled',
])
