/** One Server-Sent Events message. `event` is `message` for unnamed ones. */
export interface SseMessage {
  readonly id: string | null
  readonly event: string
  readonly data: string
}

/** Parses an SSE body (the WHATWG event-stream format) and hands over each complete message. */
export async function readEventStream(
  body: ReadableStream<Uint8Array>,
  onMessage: (message: SseMessage) => void,
): Promise<void> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  let data: string[] = []
  let event = ''
  let id: string | null = null
  for (;;) {
    const { value, done } = await reader.read()
    if (done) return
    buffer += decoder.decode(value, { stream: true })
    let newline: number
    while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
      // A lone CR at the end may be the first half of CRLF: wait for the next chunk.
      if (buffer[newline] === '\r' && newline === buffer.length - 1) break
      const line = buffer.slice(0, newline)
      buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1))
      if (line === '') {
        if (data.length > 0) onMessage({ id, event: event === '' ? 'message' : event, data: data.join('\n') })
        data = []
        event = ''
        id = null
        continue
      }
      if (line.startsWith(':')) continue
      const colon = line.indexOf(':')
      const field = colon < 0 ? line : line.slice(0, colon)
      const raw = colon < 0 ? '' : line.slice(colon + 1)
      const text = raw.startsWith(' ') ? raw.slice(1) : raw
      if (field === 'data') data.push(text)
      else if (field === 'event') event = text
      else if (field === 'id' && !text.includes('\0')) id = text
    }
  }
}
