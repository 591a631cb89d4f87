// A small Server-Sent Events reader over fetch, for the stream tests.

/** One SSE message. */
export interface SseMessage {
  readonly id: string | null
  readonly event: string
  readonly data: string
}

/** An open event stream. */
export interface SseStream {
  readonly status: number
  readonly headers: Headers
  /** The next message; null when the server closed the stream. Fails after `timeoutMs`. */
  next(timeoutMs?: number): Promise<SseMessage | null>
  /** Reads until `stop` says so (inclusive) or the stream closes; returns what was read. */
  until(stop: (message: SseMessage) => boolean, timeoutMs?: number): Promise<SseMessage[]>
  /** Comment lines seen so far (`: ping`). */
  readonly comments: string[]
  close(): void
}

/** Opens `url` as an event stream. */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const controller = new AbortController()
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal })
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  let done = false
  const comments: string[] = []
  const queue: SseMessage[] = []

  const parse = (): void => {
    for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      let id: string | null = null
      let event = 'message'
      const data: string[] = []
      let any = false
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) {
          comments.push(line)
          continue
        }
        const at = line.indexOf(':')
        const field = at === -1 ? line : line.slice(0, at)
        const value = at === -1 ? '' : line.slice(at + 1).replace(/^ /, '')
        if (field === 'id') id = value
        else if (field === 'event') event = value
        else if (field === 'data') {
          data.push(value)
          any = true
        }
      }
      if (any) queue.push({ id, event, data: data.join('\n') })
    }
  }

  const next = async (timeoutMs = 10_000): Promise<SseMessage | null> => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const message = queue.shift()
      if (message !== undefined) return message
      if (done) return null
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`no SSE message within ${timeoutMs} ms`)
      let timer: ReturnType<typeof setTimeout> | undefined
      const chunk = await Promise.race([
        reader.read(),
        new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), left))),
      ])
      clearTimeout(timer)
      if (chunk === 'timeout') throw new Error(`no SSE message within ${timeoutMs} ms`)
      if (chunk.done) done = true
      else {
        buffer += chunk.value
        parse()
      }
    }
  }

  return {
    status: res.status,
    headers: res.headers,
    comments,
    next,
    async until(stop, timeoutMs = 10_000) {
      const read: SseMessage[] = []
      for (;;) {
        const message = await next(timeoutMs)
        if (message === null) return read
        read.push(message)
        if (stop(message)) return read
      }
    },
    close() {
      controller.abort()
      void reader.cancel().catch(() => {})
    },
  }
}
