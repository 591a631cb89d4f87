import { describe, expect, it } from 'vitest'
import { applyEvent, mergeExecution } from '../../ui/src/lib/apply-event.js'
import { at, events, execution, step } from './support/fixtures.js'

describe('applying events to an execution', () => {
  it('moves a step through its attempts to completion, and the execution to its end', () => {
    const log = events([
      { type: 'step.started', at: at(1), step: 'a', attempt: 1, index: null, data: { attempt: 1 } },
      {
        type: 'step.retrying',
        at: at(2),
        step: 'a',
        attempt: 1,
        index: null,
        data: { attempt: 1, error: { code: 'E', message: 'x' }, delay_ms: 10 },
      },
      { type: 'step.started', at: at(3), step: 'a', attempt: 2, index: null, data: { attempt: 2 } },
      { type: 'step.completed', at: at(4), step: 'a', attempt: 2, index: null, data: { output: { ok: true } } },
      { type: 'execution.completed', at: at(4), step: null, attempt: null, index: null, data: { outputs: { x: 1 } } },
    ])
    const states: string[] = []
    let e = execution({ a: step('pending'), b: step('pending') })
    for (const event of log) {
      e = applyEvent(e, event)
      states.push(e.steps['a']!.status)
    }
    expect(states).toEqual(['running', 'retrying', 'running', 'completed', 'completed'])
    expect(e.steps['a']).toMatchObject({ attempts: 2, output: { ok: true }, started_at: at(1), completed_at: at(4) })
    expect(e).toMatchObject({ status: 'completed', outputs: { x: 1 }, completed_at: at(4) })
  })

  it('leaves the other steps as they were (same objects)', () => {
    const before = execution({ a: step('pending'), b: step('pending') })
    const [started] = events([
      { type: 'step.started', at: at(1), step: 'a', attempt: 1, index: null, data: { attempt: 1 } },
    ])
    const after = applyEvent(before, started!)
    expect(after.steps['b']).toBe(before.steps['b'])
    expect(after.steps['a']).not.toBe(before.steps['a'])
  })

  it('keeps unchanged steps when the server object is read again', () => {
    const old = execution({ a: step('completed', { attempts: 1 }), b: step('running') })
    const fresh = execution({ a: step('completed', { attempts: 1 }), b: step('completed') })
    const merged = mergeExecution(old, fresh)
    expect(merged.steps['a']).toBe(old.steps['a'])
    expect(merged.steps['b']).toBe(fresh.steps['b'])
    expect(mergeExecution(merged, structuredClone(merged))).toBe(merged)
  })
})
