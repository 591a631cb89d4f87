import { readEventStream, type SseMessage } from '../lib/event-stream.js'
import { authHeaders, UNAUTHORIZED_EVENT } from './client.js'

export type { SseMessage }

export type StreamState = 'connecting' | 'open' | 'reconnecting' | 'closed'

export interface StreamOptions {
  /** The URL to open; given the last event id seen (null on the first connection). */
  readonly url: (lastEventId: string | null) => string
  readonly onMessage: (message: SseMessage) => void
  readonly onState?: (state: StreamState) => void
}

/** A stream that stops for good: the caller asked, or the server refused (4xx). */
export interface Stream {
  close(): void
}

const MIN_RETRY_MS = 500
const MAX_RETRY_MS = 10_000

/**
 * Follows an SSE route with `fetch`, so the bearer token can be sent and `Last-Event-ID` is under our control:
 * on every reconnect it carries the id of the last message received, so the server resumes right after it.
 * Reconnects with backoff after a network error or the server closing; stops on a 4xx answer or `close()`.
 */
export function openStream(options: StreamOptions): Stream {
  const controller = new AbortController()
  let lastEventId: string | null = null
  let retryMs = MIN_RETRY_MS
  let closed = false
  const setState = (state: StreamState): void => {
    if (!closed || state === 'closed') options.onState?.(state)
  }

  const connect = async (): Promise<void> => {
    while (!closed) {
      try {
        const response = await fetch(options.url(lastEventId), {
          headers: {
            accept: 'text/event-stream',
            ...authHeaders(),
            ...(lastEventId === null ? {} : { 'last-event-id': lastEventId }),
          },
          signal: controller.signal,
          cache: 'no-store',
        })
        if (response.status >= 400 && response.status < 500) {
          if (response.status === 401) window.dispatchEvent(new Event(UNAUTHORIZED_EVENT))
          closed = true
          setState('closed')
          return
        }
        if (!response.ok || response.body === null) throw new Error(`stream answered ${response.status}`)
        setState('open')
        retryMs = MIN_RETRY_MS
        await readEventStream(response.body, (message) => {
          if (message.id !== null) lastEventId = message.id
          options.onMessage(message)
        })
      } catch {
        if (closed) return
      }
      if (closed) return
      setState('reconnecting')
      await sleep(retryMs, controller.signal)
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS)
    }
  }

  setState('connecting')
  void connect()
  return {
    close() {
      if (closed) return
      closed = true
      controller.abort()
      setState('closed')
    },
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener('abort', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}
