import { describe, expect, it } from 'vitest'
import { readEventStream, type SseMessage } from '../../ui/src/lib/event-stream.js'

function body(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk))
      controller.close()
    },
  })
}

describe('reading an event stream', () => {
  it('hands over messages with their id and name, across chunk boundaries and line endings', async () => {
    const messages: SseMessage[] = []
    await readEventStream(
      body([
        ': ping\n\nid: 1\ndata: {"a"',
        ':1}\n\n',
        'id: 2\r',
        '\nevent: end\r\ndata: x\r\ndata: y\r\n\r\n',
        'data: no id\n\n',
      ]),
      (m) => messages.push(m),
    )
    expect(messages).toEqual([
      { id: '1', event: 'message', data: '{"a":1}' },
      { id: '2', event: 'end', data: 'x\ny' },
      { id: null, event: 'message', data: 'no id' },
    ])
  })
})
