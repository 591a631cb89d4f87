import { describe, expect, it } from 'vitest'
import { indexEvents } from '../../ui/src/lib/event-index.js'
import { formatClock } from '../../ui/src/lib/format.js'
import { explainExecution } from '../../ui/src/lib/why.js'
import { at, events, execution, graph, step, T0 } from './support/fixtures.js'

const NO_EVENTS = indexEvents([])

describe('why is this not progressing', () => {
  it('says nothing about a terminal execution', () => {
    const e = execution({ a: step('completed') }, { status: 'completed', completed_at: at(5) })
    expect(explainExecution(e, graph({ a: [] }), NO_EVENTS, T0)).toEqual([])
  })

  it('names the signal a step waits for and since when', () => {
    const log = events([
      {
        type: 'step.waiting',
        at: at(120),
        step: 'approve',
        attempt: null,
        index: null,
        data: { kind: 'signal', topic: 'approval', wake_at: null },
      },
    ])
    const e = execution({ approve: step('waiting') }, { status: 'suspended' })
    const reasons = explainExecution(e, graph({ approve: [] }), indexEvents(log), T0 + 300_000)
    expect(reasons.map((r) => r.text)).toContain(
      `\`approve\` is waiting for signal \`approval\` since ${formatClock(at(120), T0)}.`,
    )
  })

  it('counts down to a retry and says how the last attempt failed', () => {
    const log = events([
      { type: 'step.started', at: at(0), step: 'charge', attempt: 1, index: null, data: { attempt: 1 } },
      {
        type: 'step.retrying',
        at: at(1),
        step: 'charge',
        attempt: 1,
        index: null,
        data: { attempt: 1, error: { code: 'ACTION_FAILED', message: 'card declined' }, delay_ms: 1_000 },
      },
      { type: 'step.started', at: at(2), step: 'charge', attempt: 2, index: null, data: { attempt: 2 } },
      {
        type: 'step.retrying',
        at: at(3),
        step: 'charge',
        attempt: 2,
        index: null,
        data: { attempt: 2, error: { code: 'ACTION_FAILED', message: 'card declined' }, delay_ms: 15_000 },
      },
    ])
    const e = execution({ charge: step('retrying', { attempts: 2 }) })
    const [reason] = explainExecution(e, graph({ charge: [] }), indexEvents(log), T0 + 6_000)
    expect(reason).toEqual({
      step: 'charge',
      kind: 'retry',
      text: '`charge` is retrying in 12 s after attempt 2 failed with ACTION_FAILED: card declined.',
    })
  })

  it('adds the time spent paused to a retry delay (clocks stand still while paused)', () => {
    const log = events([
      {
        type: 'step.retrying',
        at: at(0),
        step: 'charge',
        attempt: 1,
        index: null,
        data: { attempt: 1, error: { code: 'E', message: 'no' }, delay_ms: 10_000 },
      },
      { type: 'execution.paused', at: at(2), step: null, attempt: null, index: null, data: { reason: null } },
      { type: 'execution.resumed', at: at(32), step: null, attempt: null, index: null, data: { from: 'paused' } },
    ])
    const e = execution({ charge: step('retrying', { attempts: 1 }) })
    const [reason] = explainExecution(e, graph({ charge: [] }), indexEvents(log), T0 + 35_000)
    expect(reason?.text).toBe('`charge` is retrying in 5 s after attempt 1 failed with E: no.')
  })

  it('says an operator paused the execution, and what is held back', () => {
    const log = events([
      { type: 'execution.paused', at: at(60), step: null, attempt: null, index: null, data: { reason: null } },
    ])
    const e = execution({ a: step('completed'), b: step('pending') }, { status: 'paused' })
    const texts = explainExecution(e, graph({ a: [], b: ['a'] }), indexEvents(log), T0 + 70_000).map((r) => r.text)
    expect(texts).toEqual([
      `Paused by operator since ${formatClock(at(60), T0)}; nothing new starts until it is resumed.`,
      '`b` is ready but held back while the execution is paused.',
    ])
  })

  it('lists the unfinished steps a pending step needs, busy ones first', () => {
    const e = execution({
      charge: step('running'),
      pack: step('retrying'),
      ship: step('pending'),
      notify: step('pending'),
    })
    const g = graph({ charge: [], pack: [], ship: ['charge', 'pack'], notify: ['ship'] })
    const texts = explainExecution(e, g, NO_EVENTS, T0).map((r) => r.text)
    expect(texts).toContain('`ship` is waiting for `charge` and `pack`.')
    expect(texts.indexOf('`ship` is waiting for `charge` and `pack`.')).toBeLessThan(
      texts.indexOf('`notify` is waiting for `ship`.'),
    )
    expect(texts.some((t) => t.startsWith('`charge`'))).toBe(false)
  })

  it('explains needs_any and transitions', () => {
    const e = execution({ a: step('running'), b: step('running'), c: step('pending'), refund: step('pending') })
    const g = graph({ a: [], b: [], c: [], refund: [] }, [
      { from: 'a', to: 'c', kind: 'needs_any' },
      { from: 'b', to: 'c', kind: 'needs_any' },
      { from: 'a', to: 'refund', kind: 'on_failure' },
    ])
    const texts = explainExecution(e, g, NO_EVENTS, T0).map((r) => r.text)
    expect(texts).toEqual(['`c` is waiting for one of `a` or `b`.', '`refund` is waiting for `a` to fail.'])
  })

  it('gives the wake-up time of a sleep', () => {
    const log = events([
      {
        type: 'step.waiting',
        at: at(0),
        step: 'nap',
        attempt: null,
        index: null,
        data: { kind: 'sleep', wake_at: at(90) },
      },
    ])
    const e = execution({ nap: step('waiting') }, { status: 'suspended' })
    const texts = explainExecution(e, graph({ nap: [] }), indexEvents(log), T0 + 30_000).map((r) => r.text)
    expect(texts[1]).toBe(
      `\`nap\` is sleeping since ${formatClock(at(0), T0)}; it wakes at ${formatClock(at(90), T0)} (in 1 min).`,
    )
  })
})
