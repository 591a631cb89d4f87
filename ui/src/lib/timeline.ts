import type { ApiEvent } from '../api/types.js'

/** One bar of the Gantt chart. Instants are epoch ms; `end` is null while it lasts. */
export interface TimelineBar {
  readonly kind: 'attempt' | 'retry-delay' | 'wait' | 'sleep' | 'pause'
  readonly start: number
  readonly end: number | null
  /** For attempts: how it ended (`running` while it lasts, `interrupted` when cut by a crash). */
  readonly outcome: 'running' | 'completed' | 'failed' | 'retried' | 'cancelled' | 'interrupted' | null
  readonly attempt: number | null
  readonly label: string
}

/** One row: a step, or one iteration of a `for_each` step. */
export interface TimelineRow {
  readonly key: string
  readonly step: string
  readonly index: number | null
  readonly bars: readonly TimelineBar[]
}

export interface Timeline {
  readonly start: number
  /** The end of the execution's last run; null while the execution goes on (draw to now). */
  readonly end: number | null
  /** The last event's instant: the chart reaches at least this far. */
  readonly last: number
  readonly rows: readonly TimelineRow[]
}

interface RowBuilder {
  key: string
  step: string
  index: number | null
  bars: TimelineBar[]
  /** The bar that is still open, to be closed by the next event of the row. */
  open: TimelineBar | null
}

/**
 * The Gantt chart of an execution from its events: per step (and per iteration), each attempt from
 * `step.started` to how it ended, the delay before a retry, and the time parked on a signal, a sleep or a
 * pause step. Rows are in the order their first event happened.
 */
export function buildTimeline(events: readonly ApiEvent[]): Timeline {
  const rows = new Map<string, RowBuilder>()
  let start: number | null = null
  let end: number | null = null
  let last = 0
  const rowOf = (step: string, index: number | null): RowBuilder => {
    const key = index === null ? step : `${step}[${index}]`
    let row = rows.get(key)
    if (row === undefined) rows.set(key, (row = { key, step, index, bars: [], open: null }))
    return row
  }
  const close = (row: RowBuilder, at: number, outcome: TimelineBar['outcome']): void => {
    if (row.open === null) return
    row.bars.push({ ...row.open, end: at, outcome: row.open.kind === 'attempt' ? outcome : null })
    row.open = null
  }
  const openBar = (row: RowBuilder, bar: Omit<TimelineBar, 'end'>): void => {
    row.open = { ...bar, end: null }
  }

  for (const event of events) {
    const at = Date.parse(event.at)
    start ??= at
    last = Math.max(last, at)
    if (
      event.type === 'execution.completed' ||
      event.type === 'execution.failed' ||
      event.type === 'execution.cancelled'
    ) {
      end = at
      for (const row of rows.values()) close(row, at, 'cancelled')
      continue
    }
    if (event.type === 'execution.resumed') end = null
    if (event.step === null) continue
    const row = rowOf(event.step, event.index)
    switch (event.type) {
      case 'step.started':
        close(row, at, 'interrupted')
        openBar(row, {
          kind: 'attempt',
          start: at,
          outcome: 'running',
          attempt: event.data.attempt,
          label: `attempt ${event.data.attempt}`,
        })
        break
      case 'step.retrying':
        close(row, at, 'retried')
        openBar(row, {
          kind: 'retry-delay',
          start: at,
          outcome: null,
          attempt: event.data.attempt,
          label: `retry after attempt ${event.data.attempt}: ${event.data.error.code}`,
        })
        break
      case 'step.waiting': {
        close(row, at, 'interrupted')
        const data = event.data
        const label =
          data.kind === 'signal'
            ? `waiting for signal ${data.topic}`
            : data.kind === 'sleep'
              ? 'sleeping'
              : `paused: ${data.reason}`
        openBar(row, {
          kind: data.kind === 'signal' ? 'wait' : data.kind,
          start: at,
          outcome: null,
          attempt: null,
          label,
        })
        break
      }
      case 'step.completed':
        close(row, at, 'completed')
        break
      case 'step.failed':
        close(row, at, 'failed')
        break
      case 'step.cancelled':
      case 'step.skipped':
        close(row, at, 'cancelled')
        break
      case 'execution.started':
      case 'execution.suspended':
      case 'execution.paused':
      case 'execution.resumed':
      case 'signal.received':
        break
    }
  }
  const list: TimelineRow[] = []
  for (const row of rows.values()) {
    const bars = row.open === null ? row.bars : [...row.bars, row.open]
    if (bars.length > 0) list.push({ key: row.key, step: row.step, index: row.index, bars })
  }
  return { start: start ?? 0, end, last, rows: list }
}
