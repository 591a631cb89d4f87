import type { StreamState } from '../api/sse.js'

const TEXT: Record<StreamState, string> = {
  connecting: 'connecting…',
  open: 'live',
  reconnecting: 'reconnecting…',
  closed: 'not live',
}

/** Whether the page follows the server's stream right now. */
export function LiveIndicator({ state }: { state: StreamState }) {
  return (
    <span className={`live live--${state}`} data-testid="live-indicator" data-state={state}>
      <span className="live__dot" aria-hidden />
      {TEXT[state]}
    </span>
  )
}
