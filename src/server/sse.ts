import type { Context } from 'hono'
import { streamSSE, type SSEStreamingApi } from 'hono/streaming'
import { toWireEvent } from '../engine/index.js'
import type { TrellisEvent } from '../events/index.js'
import type { Logger } from '../util/index.js'
import type { ApiStreamEnd } from './api-types.js'
import { Doorbell, followExecution, type AllEventsFeed, type EventSources } from './event-feed.js'

/** A comment line this often keeps proxies and load balancers from closing a quiet stream. */
export const PING_MS = 15_000
/** What a browser waits before reconnecting (SSE `retry`). */
const RETRY_MS = 2_000
/** Events queued for one slow `/api/stream` client before it is cut off (it reconnects and reloads). */
const MAX_QUEUED = 10_000

/**
 * `GET /api/executions/:id/stream`: the execution's events with `seq > after` as SSE messages (`id` = seq), live,
 * then an `end` message after the terminal event, then the stream closes. Ends early when the client goes away or
 * the server shuts down.
 */
export function streamExecution(
  c: Context,
  sources: EventSources,
  executionId: string,
  after: number,
  shutdown: AbortSignal,
  logger: Logger,
): Response {
  c.header('X-Accel-Buffering', 'no')
  return streamSSE(
    c,
    async (stream) =>
      withStream(stream, shutdown, async (signal) => {
        const events = followExecution(sources, executionId, after, signal)
        for (;;) {
          const next = await events.next()
          if (next.done === true) {
            if (next.value.reason === 'ended') {
              const end: ApiStreamEnd = {
                execution_id: executionId,
                status: next.value.status,
                last_seq: next.value.lastSeq,
              }
              await stream.writeSSE({ event: 'end', data: JSON.stringify(end) })
            }
            return
          }
          await writeEvent(stream, next.value, true)
        }
      }),
    async (error) => {
      logger.warn({ err: error, execution_id: executionId }, 'event stream failed')
    },
  )
}

/** `GET /api/stream`: every execution's events, live, as SSE messages without ids. */
export function streamAll(c: Context, feed: AllEventsFeed, shutdown: AbortSignal): Response {
  c.header('X-Accel-Buffering', 'no')
  return streamSSE(c, async (stream) =>
    withStream(stream, shutdown, async (signal) => {
      const queue: TrellisEvent[] = []
      const bell = new Doorbell()
      let overflow = false
      const off = feed.subscribe((event) => {
        if (queue.length >= MAX_QUEUED) overflow = true
        else queue.push(event)
        bell.ring()
      })
      const onAbort = (): void => bell.ring()
      signal.addEventListener('abort', onAbort)
      try {
        while (!signal.aborted) {
          bell.clear()
          for (let event = queue.shift(); event !== undefined; event = queue.shift()) {
            await writeEvent(stream, event, false)
            if (signal.aborted) return
          }
          if (overflow) {
            await stream.writeSSE({ event: 'overflow', data: '{"reason":"the client read too slowly"}' })
            return
          }
          await bell.wait(PING_MS)
        }
      } finally {
        off()
        signal.removeEventListener('abort', onAbort)
      }
    }),
  )
}

/** Runs `body` with a signal aborted when the client leaves or the server shuts down, pinging meanwhile. */
async function withStream(
  stream: SSEStreamingApi,
  shutdown: AbortSignal,
  body: (signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const controller = new AbortController()
  const abort = (): void => controller.abort()
  stream.onAbort(abort)
  shutdown.addEventListener('abort', abort)
  if (shutdown.aborted) controller.abort()
  const ping = setInterval(() => void stream.write(': ping\n\n'), PING_MS)
  try {
    await stream.write(`retry: ${RETRY_MS}\n\n`)
    await body(controller.signal)
  } finally {
    clearInterval(ping)
    shutdown.removeEventListener('abort', abort)
    controller.abort()
  }
}

async function writeEvent(stream: SSEStreamingApi, event: TrellisEvent, withId: boolean): Promise<void> {
  const data = JSON.stringify(toWireEvent(event))
  await stream.writeSSE(withId ? { id: String(event.seq), data } : { data })
}
