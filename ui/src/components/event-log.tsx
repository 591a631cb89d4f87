import { useMemo, useState } from 'react'
import type { ApiEvent } from '../api/types.js'
import { describeEvent } from '../lib/describe-event.js'
import { formatPreciseTime } from '../lib/format.js'
import { JsonView } from './json-view.js'
import { VirtualList } from './virtual-list.js'

const ROW_HEIGHT = 30

/** The event log, live: new events appear at the bottom, and the view follows them while it is at the bottom. */
export function EventLog({ events, step }: { events: readonly ApiEvent[]; step: string | null }) {
  const [onlyStep, setOnlyStep] = useState(false)
  const [open, setOpen] = useState<number | null>(null)
  const shown = useMemo(
    () => (onlyStep && step !== null ? events.filter((e) => e.step === step) : events),
    [events, onlyStep, step],
  )
  const openEvent = open === null ? undefined : events.find((e) => e.seq === open)
  return (
    <div className="event-log">
      <div className="event-log__tools">
        <span className="muted" data-testid="event-count">
          {events.length} events
        </span>
        <label className={step === null ? 'is-disabled' : ''}>
          <input
            type="checkbox"
            checked={onlyStep && step !== null}
            disabled={step === null}
            onChange={(e) => setOnlyStep(e.target.checked)}
          />{' '}
          only {step === null ? 'the selected step' : <code>{step}</code>}
        </label>
      </div>
      <VirtualList
        items={shown}
        rowHeight={ROW_HEIGHT}
        rowKey={(e) => e.seq}
        followEnd
        className="event-log__list"
        testId="event-log"
        empty={<div className="muted panel-empty">No events yet.</div>}
        renderRow={(event) => (
          <button
            type="button"
            className={`event${open === event.seq ? ' is-open' : ''}`}
            data-type={event.type}
            onClick={() => setOpen(open === event.seq ? null : event.seq)}
          >
            <span className="event__seq">{event.seq}</span>
            <span className="event__time">{formatPreciseTime(event.at)}</span>
            <span className={`event__type event__type--${event.type.split('.')[1] ?? ''}`}>{event.type}</span>
            <span className="event__step">
              {event.step ?? ''}
              {event.index !== null && `[${event.index}]`}
            </span>
            <span className="event__text">{describeEvent(event)}</span>
          </button>
        )}
      />
      {openEvent !== undefined && (
        <div className="event-log__detail">
          <div className="event-log__detail-head">
            Event {openEvent.seq} · <code>{openEvent.type}</code>
            <button type="button" className="link-button" onClick={() => setOpen(null)}>
              close
            </button>
          </div>
          <JsonView value={openEvent} />
        </div>
      )}
    </div>
  )
}
