import { describe, expect, it } from 'vitest'
import { stepRow } from '../../src/store/sql/index.js'
import { Sim } from '../support/sim.js'
import { stepRecord } from '../support/store-fixtures.js'
import { testWorkflow } from '../support/workflow.js'

describe('for_each iteration timers', () => {
  it('are tracked by index, so the next wake-up never scans every iteration', () => {
    const sim = new Sim(
      testWorkflow(
        { each: { for_each: '{{ inputs.items }}', concurrency: 3, retry: { maxAttempts: 3 } } },
        { inputs: { items: { type: 'array', default: null, required: false, description: null } } },
      ),
      { items: Array.from({ length: 10 }, (_, i) => i) },
    ).start()
    const step = sim.state.step('each')
    expect([...step.timedIterations]).toEqual([])
    sim.fail('each', {}, { index: 1 }) // retrying: a timer
    expect([...step.timedIterations]).toEqual([1])
    expect(sim.state.timed.has('each')).toBe(true)
    expect(sim.state.wakeAt).toBe(step.iterations![1]!.wakeAt)
    sim.fail('each', {}, { index: 0 })
    expect([...step.timedIterations].sort()).toEqual([0, 1])
    expect(sim.state.wakeAt).toBe(Math.min(step.iterations![0]!.wakeAt!, step.iterations![1]!.wakeAt!))
    sim.advance(60_000) // both retry now
    expect([...step.timedIterations]).toEqual([])
    expect(sim.state.timed.has('each')).toBe(false)
    expect(sim.state.wakeAt).toBeNull()
    expect(step.iterations!.slice(0, 2).map((it) => [it.status, it.attempts])).toEqual([
      ['running', 2],
      ['running', 2],
    ])
  })

  it('stand still while paused (remaining time) and run on after resume', () => {
    const sim = new Sim(
      testWorkflow(
        { each: { for_each: '{{ inputs.items }}', concurrency: 2, retry: { maxAttempts: 3 } } },
        { inputs: { items: { type: 'array', default: null, required: false, description: null } } },
      ),
      { items: [1, 2, 3] },
    ).start()
    const step = sim.state.step('each')
    sim.fail('each', {}, { index: 0 })
    sim.feed({ kind: 'pause', reason: null }).succeed('each', 2, 1)
    expect(sim.state.status).toBe('paused')
    expect([...step.timedIterations]).toEqual([0])
    expect(step.iterations![0]!.remainingMs).not.toBeNull()
    expect(sim.state.wakeAt).toBeNull()
    sim.feed({ kind: 'resume' })
    expect(sim.state.wakeAt).toBe(step.iterations![0]!.wakeAt)
    sim.advance(60_000)
    expect(step.iterations![0]!.status).toBe('running')
    expect([...step.timedIterations]).toEqual([])
  })

  it('a step row encodes the same items array once', () => {
    const items = Array.from({ length: 1_000 }, (_, i) => ({ i }))
    const row = (attempts: number): string | null =>
      stepRow('e1', stepRecord('each', { attempts, startedAt: 1, items })).items
    const first = row(1)
    expect(first).toBe(JSON.stringify(items))
    expect(row(2)).toBe(first) // from the cache: the array is encoded once
  })
})
