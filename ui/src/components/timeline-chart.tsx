import { memo, useMemo } from 'react'
import { formatDuration, formatPreciseTime } from '../lib/format.js'
import type { Timeline, TimelineBar, TimelineRow } from '../lib/timeline.js'
import { useNow } from '../lib/use-now.js'
import { VirtualList } from './virtual-list.js'

const ROW_HEIGHT = 26
const STEPS_MS = [
  100, 250, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000,
  3_600_000, 7_200_000, 21_600_000, 43_200_000, 86_400_000,
]

/** A tick interval that gives about six ticks over `span`. */
function tickInterval(span: number): number {
  return STEPS_MS.find((step) => span / step <= 7) ?? STEPS_MS[STEPS_MS.length - 1]!
}

export interface TimelineChartProps {
  readonly timeline: Timeline
  readonly selected: string | null
  readonly onSelect: (step: string) => void
}

/**
 * The Gantt chart of attempts, retry delays and waits. While the execution goes on, the right edge is now
 * and open bars grow with it.
 */
export function TimelineChart({ timeline, selected, onSelect }: TimelineChartProps) {
  const live = timeline.end === null
  const now = useNow(1_000, live)
  const start = timeline.start
  // Live, the right edge is now (or the last event, if it came in since the clock last ticked).
  const end = timeline.end ?? Math.max(now, timeline.last, start + 1)
  const span = Math.max(end - start, 1)
  const ticks = useMemo(() => {
    const interval = tickInterval(span)
    const list: number[] = []
    for (let t = 0; t <= span; t += interval) list.push(t)
    return list
  }, [span])

  if (timeline.rows.length === 0) return <div className="muted panel-empty">No step has started yet.</div>
  return (
    <div className="timeline" data-testid="timeline">
      <div className="timeline__axis">
        <div className="timeline__label-col" />
        <div className="timeline__track">
          {ticks.map((t) => (
            <span key={t} className="timeline__tick" style={{ left: `${(t / span) * 100}%` }}>
              {t === 0 ? formatPreciseTime(new Date(start).toISOString()).slice(0, 8) : `+${formatDuration(t)}`}
            </span>
          ))}
        </div>
      </div>
      <div className="timeline__body">
        <div className="timeline__grid" aria-hidden>
          <div className="timeline__label-col" />
          <div className="timeline__track">
            {ticks.map((t) => (
              <span key={t} className="timeline__gridline" style={{ left: `${(t / span) * 100}%` }} />
            ))}
          </div>
        </div>
        <VirtualList
          items={timeline.rows}
          rowHeight={ROW_HEIGHT}
          rowKey={(row) => row.key}
          className="timeline__rows"
          renderRow={(row) => (
            <TimelineRowView
              row={row}
              start={start}
              span={span}
              now={end}
              selected={row.step === selected}
              onSelect={onSelect}
            />
          )}
        />
      </div>
      <div className="timeline__legend">
        <span className="legend legend--completed">attempt succeeded</span>
        <span className="legend legend--failed">attempt failed</span>
        <span className="legend legend--running">running</span>
        <span className="legend legend--retry-delay">retry delay</span>
        <span className="legend legend--wait">waiting for a signal</span>
        <span className="legend legend--sleep">sleeping</span>
        <span className="legend legend--pause">paused</span>
      </div>
    </div>
  )
}

interface RowProps {
  readonly row: TimelineRow
  readonly start: number
  readonly span: number
  readonly now: number
  readonly selected: boolean
  readonly onSelect: (step: string) => void
}

const TimelineRowView = memo(function TimelineRowView({ row, start, span, now, selected, onSelect }: RowProps) {
  return (
    <div className={`timeline__row${selected ? ' is-selected' : ''}`} data-testid={`timeline-row-${row.key}`}>
      <button
        type="button"
        className="timeline__label-col timeline__name"
        onClick={() => onSelect(row.step)}
        title={row.key}
      >
        {row.index === null ? row.step : <span className="muted">{`[${row.index}]`}</span>}
        {row.index !== null && <span className="timeline__iteration-of"> {row.step}</span>}
      </button>
      <div className="timeline__track">
        {row.bars.map((bar, i) => (
          <BarView key={i} bar={bar} start={start} span={span} now={now} />
        ))}
      </div>
    </div>
  )
})

function BarView({ bar, start, span, now }: { bar: TimelineBar; start: number; span: number; now: number }) {
  const end = bar.end ?? now
  const left = ((bar.start - start) / span) * 100
  const width = ((end - bar.start) / span) * 100
  const tone = bar.kind === 'attempt' ? (bar.outcome ?? 'running') : bar.kind
  const title = `${bar.label}${bar.kind === 'attempt' && bar.outcome !== null ? ` · ${bar.outcome}` : ''} · ${formatDuration(end - bar.start)} · from ${formatPreciseTime(new Date(bar.start).toISOString())}`
  return (
    <span
      className={`bar bar--${tone}${bar.end === null ? ' bar--open' : ''}`}
      style={{ left: `${left}%`, width: `max(3px, ${width}%)` }}
      title={title}
      data-kind={bar.kind}
      data-outcome={bar.outcome ?? undefined}
    />
  )
}
