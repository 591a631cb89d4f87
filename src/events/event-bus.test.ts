import { describe, expect, it } from 'vitest'
import { EventBus } from './event-bus.js'
import type { TrellisEvent } from './types.js'

function event(seq: number, type: TrellisEvent['type'] = 'step.started', executionId = 'e1'): TrellisEvent {
  return {
    seq,
    type,
    execution_id: executionId,
    at: new Date(0).toISOString(),
    step: 'a',
    attempt: 1,
    index: null,
    data: { attempt: 1 },
  } as TrellisEvent
}

describe('EventBus', () => {
  it('a subscriber that throws is reported with the event and never stops delivery to the others', () => {
    const errors: [unknown, number][] = []
    const bus = new EventBus((error, e) => errors.push([error, e.seq]))
    const seen: number[] = []
    bus.onAny(() => {
      throw new Error('bad subscriber')
    })
    bus.onAny((e) => seen.push(e.seq))
    bus.on('step.started', (e) => seen.push(e.seq * 10))
    bus.publish([event(1), event(2)])
    expect(seen).toEqual([10, 1, 20, 2])
    expect(errors.map(([, seq]) => seq)).toEqual([1, 2])
  })

  it('on(type) sees only that type; the returned function unsubscribes', () => {
    const bus = new EventBus()
    const seen: string[] = []
    const off = bus.on('execution.completed', (e) => seen.push(e.type))
    bus.publish([event(1), event(2, 'execution.completed')])
    off()
    bus.publish([event(3, 'execution.completed')])
    expect(seen).toEqual(['execution.completed'])
  })

  it('stream() is an async iterator over one execution, in order, until aborted', async () => {
    const bus = new EventBus()
    const controller = new AbortController()
    const seen: number[] = []
    const reading = (async () => {
      for await (const e of bus.stream({ executionId: 'e1', signal: controller.signal })) {
        seen.push(e.seq)
        if (seen.length === 2) controller.abort()
      }
    })()
    await Promise.resolve()
    bus.publish([event(1), event(1, 'step.started', 'other'), event(2), event(3)])
    await reading
    expect(seen).toEqual([1, 2])
  })
})
