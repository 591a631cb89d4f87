import { describe, expect, it } from 'vitest'
import { ExecutionState } from '../../src/engine/state.js'
import type { StepRecord } from '../../src/store/index.js'
import { Sim } from '../support/sim.js'
import { executionRecord, stepRecord } from '../support/store-fixtures.js'
import { testWorkflow } from '../support/workflow.js'

/** The `needs` counters of a step: [unmet, failed]. */
function counters(sim: Sim, name: string): [number, number] {
  const step = sim.state.step(name)
  return [step.unmetNeeds, step.failedNeeds]
}

describe('readiness counters (needs)', () => {
  it('follow every status change of the needed steps, back again on retry', () => {
    const sim = new Sim(
      testWorkflow({ a: {}, b: { retry: { maxAttempts: 1 } }, c: {}, all: { needs: ['a', 'b', 'c'] } }),
    ).start()
    expect(counters(sim, 'all')).toEqual([3, 0])
    sim.succeed('a')
    expect(counters(sim, 'all')).toEqual([2, 0])
    sim.succeed('c')
    expect(counters(sim, 'all')).toEqual([1, 0])
    sim.fail('b') // fail_fast: the execution fails, `all` is skipped
    expect(counters(sim, 'all')).toEqual([0, 1])
    expect(sim.statuses()).toMatchObject({ b: 'failed', all: 'skipped' })
    sim.feed({ kind: 'retry' }) // b and all start again
    expect(counters(sim, 'all')).toEqual([1, 0])
    expect(sim.state.step('b').status).toBe('running')
    sim.succeed('b')
    expect(sim.statuses()).toMatchObject({ all: 'running' })
    expect(counters(sim, 'all')).toEqual([0, 0])
  })

  it('count a need listed twice twice, and skip as soon as one need was skipped', () => {
    const sim = new Sim(
      testWorkflow({ a: { when: '{{ 1 > 2 }}' }, b: {}, c: { needs: ['b', 'b'] }, d: { needs: ['a', 'b'] } }),
    ).start()
    expect(counters(sim, 'c')).toEqual([2, 0])
    expect(counters(sim, 'd')).toEqual([1, 1])
    expect(sim.statuses()).toMatchObject({ a: 'skipped', d: 'skipped' })
    sim.succeed('b')
    expect(counters(sim, 'c')).toEqual([0, 0])
    expect(sim.statuses()).toMatchObject({ c: 'running' })
  })

  it('are computed from the stored statuses when an execution is loaded', () => {
    const workflow = testWorkflow({ a: {}, b: {}, c: {}, all: { needs: ['a', 'b', 'c'] } })
    const row = (name: string, status: StepRecord['status']): StepRecord => stepRecord(name, { status, startedAt: 1 })
    const loaded = new ExecutionState({
      execution: executionRecord(workflow, 1, { id: 'e1', status: 'running', startedAt: 1, lastSeq: 3 }),
      steps: [row('a', 'completed'), row('b', 'running'), row('c', 'cancelled')],
      iterations: [],
      signals: [],
    })
    expect([loaded.step('all').unmetNeeds, loaded.step('all').failedNeeds]).toEqual([1, 1])
  })

  it('a fan-in of 1,000 steps starts its last step once, after the last of them completes', () => {
    const steps: Record<string, { needs?: string[] }> = {}
    const names = Array.from({ length: 1_000 }, (_, i) => `p${i}`)
    for (const name of names) steps[name] = {}
    steps.all = { needs: names }
    const sim = new Sim(testWorkflow(steps)).start()
    for (const name of names.slice(0, -1)) sim.succeed(name)
    expect(sim.state.step('all').status).toBe('pending')
    expect(counters(sim, 'all')).toEqual([1, 0])
    sim.succeed(names.at(-1)!)
    expect(sim.started().filter((s) => s === 'all')).toHaveLength(1)
  })
})
