import { useMemo, useState } from 'react'
import type { ApiExecution, ApiGraph } from '../api/types.js'
import type { EventIndex } from '../lib/event-index.js'
import { useNow } from '../lib/use-now.js'
import { explainExecution } from '../lib/why.js'
import { CodeText } from './code-text.js'

const SHOWN = 10

export interface WhyPanelProps {
  readonly execution: ApiExecution
  readonly graph: ApiGraph
  readonly index: EventIndex
  readonly onSelect: (step: string) => void
}

/** "Why is this not progressing?": a sentence for everything that holds the execution back, with live countdowns. */
export function WhyPanel({ execution, graph, index, onSelect }: WhyPanelProps) {
  const now = useNow(1_000)
  const [all, setAll] = useState(false)
  const reasons = useMemo(() => explainExecution(execution, graph, index, now), [execution, graph, index, now])
  const running = useMemo(
    () =>
      Object.entries(execution.steps)
        .filter(([, s]) => s.status === 'running')
        .map(([name]) => name),
    [execution.steps],
  )
  const shown = all ? reasons : reasons.slice(0, SHOWN)
  return (
    <section className="why" data-testid="why-panel">
      <h2>Why is this not progressing?</h2>
      {running.length > 0 && (
        <p className="why__running">
          <CodeText
            text={`Running now: ${running
              .slice(0, 8)
              .map((n) => `\`${n}\``)
              .join(', ')}${running.length > 8 ? ` and ${running.length - 8} more` : ''}.`}
          />
        </p>
      )}
      {reasons.length === 0 ? (
        <p className="muted">Nothing is held back: every step that can run is running.</p>
      ) : (
        <ul>
          {shown.map((reason, i) => (
            <li
              key={`${reason.step ?? ''}:${i}`}
              className={`why__item why__item--${reason.kind}`}
              data-testid="why-item"
              data-step={reason.step ?? ''}
              data-kind={reason.kind}
            >
              {reason.step !== null ? (
                <button type="button" className="why__text link-button" onClick={() => onSelect(reason.step!)}>
                  <CodeText text={reason.text} />
                </button>
              ) : (
                <span className="why__text">
                  <CodeText text={reason.text} />
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      {reasons.length > SHOWN && (
        <button type="button" className="link-button" onClick={() => setAll(!all)}>
          {all ? 'Show fewer' : `Show all ${reasons.length}`}
        </button>
      )}
    </section>
  )
}
