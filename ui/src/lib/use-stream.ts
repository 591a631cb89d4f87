import { useEffect, useRef, useState } from 'react'
import { openStream, type SseMessage, type StreamState } from '../api/sse.js'

/**
 * Follows an SSE route while `url` is not null; `onMessage` always sees the latest closure. Answers the
 * connection's state for a "live" indicator; `onReopen` runs when the stream comes back after a break.
 */
export function useStream(
  url: ((lastEventId: string | null) => string) | null,
  onMessage: (message: SseMessage, close: () => void) => void,
  onReopen?: () => void,
): StreamState {
  const [state, setState] = useState<StreamState>('closed')
  const handlers = useRef({ onMessage, onReopen })
  handlers.current = { onMessage, onReopen }
  useEffect(() => {
    if (url === null) {
      setState('closed')
      return
    }
    let broken = false
    const stream = openStream({
      url,
      onMessage: (message) => handlers.current.onMessage(message, () => stream.close()),
      onState: (next) => {
        setState(next)
        if (next === 'reconnecting') broken = true
        if (next === 'open' && broken) {
          broken = false
          handlers.current.onReopen?.()
        }
      },
    })
    return () => stream.close()
  }, [url])
  return state
}
