import { describe, expect, it } from 'vitest'
import { buildTimeline } from '../../ui/src/lib/timeline.js'
import { at, events, T0 } from './support/fixtures.js'

const ms = (seconds: number) => T0 + seconds * 1_000

describe('timeline', () => {
  it('draws attempts, the delay before a retry, and a wait for a signal', () => {
    const log = events([
      { type: 'execution.started', at: at(0), step: null, attempt: null, index: null, data: { inputs: {} } },
      { type: 'step.started', at: at(0), step: 'charge', attempt: 1, index: null, data: { attempt: 1 } },
      {
        type: 'step.retrying',
        at: at(1),
        step: 'charge',
        attempt: 1,
        index: null,
        data: { attempt: 1, error: { code: 'E', message: 'x' }, delay_ms: 2_000 },
      },
      { type: 'step.started', at: at(3), step: 'charge', attempt: 2, index: null, data: { attempt: 2 } },
      { type: 'step.completed', at: at(4), step: 'charge', attempt: 2, index: null, data: { output: 1 } },
      {
        type: 'step.waiting',
        at: at(4),
        step: 'approve',
        attempt: null,
        index: null,
        data: { kind: 'signal', topic: 'ok', wake_at: null },
      },
    ])
    const timeline = buildTimeline(log)
    expect(timeline.start).toBe(ms(0))
    expect(timeline.end).toBeNull()
    expect(timeline.last).toBe(ms(4))
    expect(timeline.rows.map((r) => r.key)).toEqual(['charge', 'approve'])
    expect(timeline.rows[0]!.bars.map((b) => [b.kind, b.start, b.end, b.outcome])).toEqual([
      ['attempt', ms(0), ms(1), 'retried'],
      ['retry-delay', ms(1), ms(3), null],
      ['attempt', ms(3), ms(4), 'completed'],
    ])
    expect(timeline.rows[1]!.bars).toEqual([
      { kind: 'wait', start: ms(4), end: null, outcome: null, attempt: null, label: 'waiting for signal ok' },
    ])
  })

  it('gives iterations their own rows and closes open bars when the execution ends', () => {
    const log = events([
      { type: 'step.started', at: at(0), step: 'each', attempt: 1, index: 0, data: { attempt: 1, index: 0 } },
      { type: 'step.started', at: at(0), step: 'each', attempt: 1, index: 1, data: { attempt: 1, index: 1 } },
      { type: 'step.completed', at: at(1), step: 'each', attempt: 1, index: 0, data: { output: null } },
      { type: 'execution.cancelled', at: at(2), step: null, attempt: null, index: null, data: { reason: null } },
    ])
    const timeline = buildTimeline(log)
    expect(timeline.end).toBe(ms(2))
    expect(timeline.rows.map((r) => [r.key, r.bars.map((b) => b.outcome)])).toEqual([
      ['each[0]', ['completed']],
      ['each[1]', ['cancelled']],
    ])
  })

  it('marks an attempt cut short by a crash as interrupted', () => {
    const log = events([
      { type: 'step.started', at: at(0), step: 'a', attempt: 1, index: null, data: { attempt: 1 } },
      { type: 'step.started', at: at(5), step: 'a', attempt: 2, index: null, data: { attempt: 2 } },
    ])
    expect(buildTimeline(log).rows[0]!.bars.map((b) => b.outcome)).toEqual(['interrupted', 'running'])
  })
})
