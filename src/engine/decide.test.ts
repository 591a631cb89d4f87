import { describe, expect, it } from 'vitest'
import { Sim } from '../../test/support/sim.js'
import { testWorkflow } from '../../test/support/workflow.js'

describe('decide: readiness and order', () => {
  it('runs a chain of needs in order and completes with the rendered outputs', () => {
    const sim = new Sim(
      testWorkflow(
        { a: { with: 1 }, b: { needs: ['a'] }, c: { needs: ['b'] } },
        { outputs: { last: '{{ steps.b.output }}', a: '{{ steps.a.status }}' } },
      ),
    ).start()
    expect(sim.started()).toEqual(['a'])
    sim.succeed('a', 1).succeed('b', 2).succeed('c', 3)
    expect(sim.log()).toEqual([
      'execution.started',
      'step.started:a',
      'step.completed:a',
      'step.started:b',
      'step.completed:b',
      'step.started:c',
      'step.completed:c',
      'execution.completed',
    ])
    expect(sim.state.status).toBe('completed')
    expect(sim.state.outputs).toEqual({ last: 2, a: 'completed' })
  })

  it('starts every step with no incoming edge at once (parallel fan-out)', () => {
    const sim = new Sim(testWorkflow({ a: {}, b: {}, c: { needs: ['a', 'b'] } })).start()
    expect(sim.started()).toEqual(['a', 'b'])
    sim.succeed('a')
    expect(sim.started()).toEqual(['a', 'b'])
    sim.succeed('b')
    expect(sim.started()).toEqual(['a', 'b', 'c'])
  })

  it('needs_any: ready when one of its steps completed', () => {
    const sim = new Sim(testWorkflow({ a: {}, b: {}, c: { needs_any: ['a', 'b'] } })).start()
    sim.succeed('b')
    expect(sim.statuses().c).toBe('running')
  })

  it('needs_any: skipped when every one of its steps ended without completing', () => {
    const sim = new Sim(
      testWorkflow({ a: { on_failure: ['h'] }, b: { on_failure: ['h'] }, c: { needs_any: ['a', 'b'] }, h: {} }),
    ).start()
    sim.fail('a')
    expect(sim.statuses().c).toBe('pending')
    sim.fail('b')
    expect(sim.statuses().c).toBe('skipped')
    expect(sim.events.find((e) => e.type === 'step.skipped' && e.step === 'c')?.data).toEqual({ reason: 'upstream' })
  })

  it('a step runs at most once even when several transitions fire for it', () => {
    const sim = new Sim(testWorkflow({ a: { on_complete: ['c'] }, b: { on_complete: ['c'] }, c: {} })).start()
    sim.succeed('a').succeed('b')
    expect(sim.started().filter((s) => s === 'c')).toHaveLength(1)
  })
})

describe('decide: skipping', () => {
  it('skips a step whose needed step failed, and everything after it', () => {
    const sim = new Sim(testWorkflow({ a: {}, b: { needs: ['a'] }, c: { needs: ['b'] } })).start()
    sim.fail('a', {}, { retryable: false })
    expect(sim.statuses()).toEqual({ a: 'failed', b: 'skipped', c: 'skipped' })
    expect(sim.types()).toEqual([
      'execution.started',
      'step.started',
      'step.failed',
      'step.skipped',
      'step.skipped',
      'execution.failed',
    ])
  })

  it('when false: the step is skipped with reason condition, and skipping propagates', () => {
    const sim = new Sim(testWorkflow({ a: { when: '{{ 1 > 2 }}' }, b: { needs: ['a'] } })).start()
    expect(sim.statuses()).toEqual({ a: 'skipped', b: 'skipped' })
    expect(sim.events.filter((e) => e.type === 'step.skipped').map((e) => e.data)).toEqual([
      { reason: 'condition' },
      { reason: 'upstream' },
    ])
    expect(sim.state.status).toBe('completed')
  })

  it('when is evaluated once the step is otherwise ready, against published vars', () => {
    const sim = new Sim(
      testWorkflow(
        { a: { publish: { total: '{{ result }}' } }, b: { needs: ['a'], when: '{{ vars.total > 0 }}' } },
        { vars: { total: 0 } },
      ),
    ).start()
    sim.feed({ kind: 'start' })
    sim.succeed('a', 5)
    expect(sim.statuses().b).toBe('running')
  })

  it('a when that is not a boolean fails the step before any attempt (attempt null, EXPRESSION_ERROR)', () => {
    const sim = new Sim(testWorkflow({ a: { when: '{{ 3 }}' } })).start()
    const failed = sim.events.find((e) => e.type === 'step.failed')
    expect(failed?.attempt).toBeNull()
    expect((failed?.data as { error: { code: string } }).error.code).toBe('EXPRESSION_ERROR')
    expect(sim.types()).not.toContain('step.started')
  })
})

describe('decide: transitions', () => {
  const wf = testWorkflow({
    a: { on_success: ['ok'], on_failure: ['bad'], on_timeout: ['late'], on_complete: ['always'] },
    ok: {},
    bad: {},
    late: {},
    always: {},
  })

  it('on_success and on_complete fire when the source completed; the others are skipped', () => {
    const sim = new Sim(wf).start().succeed('a')
    expect(sim.statuses()).toMatchObject({ ok: 'running', always: 'running', bad: 'skipped', late: 'skipped' })
  })

  it('on_failure and on_complete fire when the source failed; a handled failure does not fail the execution', () => {
    const sim = new Sim(wf).start().fail('a')
    expect(sim.statuses()).toMatchObject({ ok: 'skipped', bad: 'running', always: 'running', late: 'skipped' })
    expect(sim.events.find((e) => e.type === 'step.failed')?.data).toMatchObject({ handled: true })
    sim.succeed('bad').succeed('always')
    expect(sim.state.status).toBe('completed')
  })

  it('on_timeout fires only for a failure by timeout', () => {
    const sim = new Sim(wf).start().fail('a', { code: 'TIMEOUT' })
    expect(sim.statuses()).toMatchObject({ late: 'running', bad: 'running' })
  })

  it('a TIMEOUT failure is handled by on_timeout alone', () => {
    const sim = new Sim(testWorkflow({ a: { on_timeout: ['late'] }, late: {} })).start().fail('a', { code: 'TIMEOUT' })
    expect(sim.events.find((e) => e.type === 'step.failed')?.data).toMatchObject({ handled: true })
  })
})

describe('decide: failure policy', () => {
  it('fail_fast: running steps are cancelled, nothing new starts, error names the first unhandled failure', () => {
    const sim = new Sim(testWorkflow({ a: {}, b: {}, c: { needs: ['b'] } })).start()
    sim.fail('a', { code: 'X', message: 'broke' })
    expect(sim.statuses()).toEqual({ a: 'failed', b: 'cancelled', c: 'skipped' })
    expect(sim.commands.filter((c) => c.kind === 'abort-attempt').map((c) => c.step)).toEqual(['b'])
    expect(sim.state.error).toEqual({ step: 'a', code: 'X', message: 'broke' })
    expect(sim.events.at(-1)?.type).toBe('execution.failed')
    expect(sim.events.find((e) => e.type === 'step.skipped' && e.step === 'c')?.data).toEqual({ reason: 'ended' })
  })

  it('continue: independent steps run to their end, then the execution fails', () => {
    const sim = new Sim(
      testWorkflow({ a: {}, b: {}, c: { needs: ['b'] }, d: { needs: ['a'] } }, { failurePolicy: 'continue' }),
    ).start()
    sim.fail('a')
    expect(sim.state.status).toBe('running')
    expect(sim.statuses().d).toBe('skipped')
    sim.succeed('b').succeed('c')
    expect(sim.state.status).toBe('failed')
    expect(sim.state.error?.step).toBe('a')
  })
})

describe('decide: retries', () => {
  it('a step that never succeeds: started N times, retrying N-1 times, one failed last', () => {
    const sim = new Sim(testWorkflow({ a: { retry: { maxAttempts: 3, backoff: 'constant', delayMs: 100 } } })).start()
    sim.fail('a').advance(100).fail('a').advance(100).fail('a')
    expect(sim.log()).toEqual([
      'execution.started',
      'step.started:a',
      'step.retrying:a',
      'step.started:a',
      'step.retrying:a',
      'step.started:a',
      'step.failed:a',
      'execution.failed',
    ])
    expect(sim.events.filter((e) => e.type === 'step.started').map((e) => e.attempt)).toEqual([1, 2, 3])
  })

  it('waits out the retry delay: not before, exactly at', () => {
    const sim = new Sim(
      testWorkflow({ a: { retry: { maxAttempts: 2, backoff: 'exponential', delayMs: 200 } } }),
    ).start()
    sim.fail('a')
    expect(sim.events.find((e) => e.type === 'step.retrying')?.data).toMatchObject({ attempt: 1, delay_ms: 200 })
    sim.advance(199)
    expect(sim.started()).toEqual(['a'])
    sim.advance(1)
    expect(sim.started()).toEqual(['a', 'a'])
  })

  it('an error marked non-retryable fails the step at once', () => {
    const sim = new Sim(testWorkflow({ a: { retry: { maxAttempts: 5 } } })).start()
    sim.fail('a', {}, { retryable: false })
    expect(sim.types()).not.toContain('step.retrying')
    expect(sim.statuses().a).toBe('failed')
  })

  it('CANCELLED and EXPRESSION_ERROR are never retried', () => {
    for (const code of ['CANCELLED', 'EXPRESSION_ERROR']) {
      const sim = new Sim(testWorkflow({ a: { retry: { maxAttempts: 5 } } })).start().fail('a', { code })
      expect(sim.statuses().a).toBe('failed')
    }
  })

  it('an expression error while rendering with happens inside an attempt: step.started then step.failed, no retry', () => {
    const sim = new Sim(testWorkflow({ a: { with: '{{ inputs.missing }}', retry: { maxAttempts: 3 } } })).start()
    expect(sim.log()).toEqual(['execution.started', 'step.started:a', 'step.failed:a', 'execution.failed'])
    expect(sim.events[2]?.attempt).toBe(1)
  })

  it('attempt is in scope for with', () => {
    const sim = new Sim(
      testWorkflow({ a: { with: { n: '{{ attempt }}' }, retry: { maxAttempts: 2, delayMs: 1 } } }),
    ).start()
    sim.fail('a').advance(1)
    const inputs = sim.commands
      .filter((c) => c.kind === 'start-attempt')
      .map((c) => (c.kind === 'start-attempt' ? c.input : null))
    expect(inputs).toEqual([{ n: 1 }, { n: 2 }])
  })
})

describe('decide: for_each', () => {
  const wf = testWorkflow(
    {
      each: { for_each: '{{ inputs.items }}', concurrency: 2, with: '{{ index }}:{{ item }}' },
      after: { needs: ['each'] },
    },
    { inputs: {} },
  )

  it('runs at most `concurrency` iterations at once and keeps outputs in input order', () => {
    const sim = new Sim(wf, { items: ['a', 'b', 'c', 'd'] }).start()
    expect(sim.started()).toEqual(['each[0]', 'each[1]'])
    sim.succeed('each', 'B', 1)
    expect(sim.started()).toEqual(['each[0]', 'each[1]', 'each[2]'])
    sim.succeed('each', 'C', 2).succeed('each', 'A', 0).succeed('each', 'D', 3)
    expect(sim.state.step('each').output).toEqual(['A', 'B', 'C', 'D'])
    expect(sim.events.filter((e) => e.type === 'step.completed' && e.step === 'each').map((e) => e.index)).toEqual([
      1,
      2,
      0,
      3,
      null,
    ])
    expect(sim.statuses().after).toBe('running')
  })

  it('renders item and index into each iteration', () => {
    const sim = new Sim(wf, { items: ['x', 'y'] }).start()
    expect(sim.commands.map((c) => (c.kind === 'start-attempt' ? c.input : null))).toEqual(['0:x', '1:y'])
  })

  it('an empty array completes the step at once with []', () => {
    const sim = new Sim(wf, { items: [] }).start()
    expect(sim.state.step('each').output).toEqual([])
    expect(sim.events.filter((e) => e.type === 'step.completed' && e.step === 'each')).toHaveLength(1)
  })

  it('a value that is not an array fails the step, saying an array was expected', () => {
    const sim = new Sim(wf, { items: 'nope' }).start()
    const failed = sim.events.find((e) => e.type === 'step.failed')
    expect(JSON.stringify(failed?.data)).toContain('array')
    expect(failed?.attempt).toBeNull()
  })

  it('a failed iteration stops the step: no further iteration starts, running ones are cancelled', () => {
    const sim = new Sim(wf, { items: ['a', 'b', 'c', 'd'] }).start()
    sim.fail('each', { code: 'BAD', message: 'iteration 1' }, { index: 1 })
    expect(sim.started()).toEqual(['each[0]', 'each[1]'])
    expect(sim.commands.filter((c) => c.kind === 'abort-attempt').map((c) => c.index)).toEqual([0])
    expect(sim.state.step('each').error).toEqual({ code: 'BAD', message: 'iteration 1' })
    expect(sim.state.step('each').iterations?.map((i) => i.status)).toEqual(['cancelled', 'failed'])
  })

  it('the step attempts are the sum of its iterations attempts', () => {
    const sim = new Sim(
      testWorkflow({ each: { for_each: '{{ [1, 2] }}', retry: { maxAttempts: 2, delayMs: 10 } } }),
    ).start()
    sim.fail('each', {}, { index: 0 }).advance(10).succeed('each', 1, 0).succeed('each', 2, 1)
    expect(sim.state.step('each').attempts).toBe(3)
  })
})

describe('decide: publish and outputs', () => {
  it('publish sets vars in the same decision that completes the step', () => {
    const sim = new Sim(testWorkflow({ a: { publish: { total: '{{ result.n * 2 }}' } } })).start()
    sim.succeed('a', { n: 21 })
    expect(sim.state.vars).toEqual({ total: 42 })
  })

  it('a publish that cannot be rendered fails the step instead', () => {
    const sim = new Sim(testWorkflow({ a: { publish: { x: '{{ result.missing }}' } } })).start()
    sim.succeed('a', {})
    expect(sim.statuses().a).toBe('failed')
    expect(sim.types()).not.toContain('step.completed')
  })

  it('an output that cannot be rendered fails the execution with OUTPUT_ERROR', () => {
    const sim = new Sim(testWorkflow({ a: {} }, { outputs: { x: '{{ steps.a.output.nope }}' } }))
      .start()
      .succeed('a', {})
    expect(sim.state.status).toBe('failed')
    expect(sim.state.error).toMatchObject({ code: 'OUTPUT_ERROR', step: null })
  })

  it('vars are rendered over inputs when the execution starts', () => {
    const sim = new Sim(testWorkflow({ a: {} }, { vars: { double: '{{ inputs.n * 2 }}' } }), { n: 2.5 }).start()
    expect(sim.state.vars).toEqual({ double: 5 })
  })
})

describe('decide: durable waits', () => {
  it('sleep parks the step, suspends the execution, and completes when the timer fires', () => {
    const sim = new Sim(testWorkflow({ s: { sleep: '5s' }, after: { needs: ['s'] } })).start()
    expect(sim.state.status).toBe('suspended')
    expect(sim.events.at(-1)).toMatchObject({ type: 'execution.suspended', data: { waiting_on: ['s'] } })
    sim.advance(4_999)
    expect(sim.statuses().s).toBe('waiting')
    sim.advance(1)
    expect(sim.log().slice(-3)).toEqual(['execution.resumed', 'step.completed:s', 'step.started:after'])
  })

  it('a signal sent before the wait is reached is kept and delivered; per topic in order, each once', () => {
    const sim = new Sim(
      testWorkflow({
        a: {},
        w1: { needs: ['a'], wait: { signal: 'go' } },
        w2: { needs: ['w1'], wait: { signal: 'go' } },
      }),
    ).start()
    sim.signal('go', 1).signal('go', 2)
    sim.succeed('a')
    expect(sim.state.step('w1').output).toBe(1)
    expect(sim.state.step('w2').output).toBe(2)
    expect(sim.state.status).toBe('completed')
  })

  it('a wait timeout fails the step with TIMEOUT, which on_timeout handles', () => {
    const sim = new Sim(
      testWorkflow({ w: { wait: { signal: 'go', timeoutMs: 1_000 }, on_timeout: ['late'] }, late: {} }),
    ).start()
    sim.advance(1_000)
    expect(sim.state.step('w').error?.code).toBe('TIMEOUT')
    expect(sim.statuses().late).toBe('running')
  })
})

describe('decide: operators', () => {
  it('pause waits for running attempts, then pauses; clocks stand still; resume continues', () => {
    const sim = new Sim(testWorkflow({ a: {}, s: { sleep: '10s' }, b: { needs: ['a'] } })).start()
    sim.advance(4_000)
    sim.feed({ kind: 'pause', reason: 'lunch' })
    expect(sim.state.status).toBe('running')
    sim.succeed('a')
    expect(sim.state.status).toBe('paused')
    expect(sim.statuses().b).toBe('pending')
    expect(sim.state.step('s').remainingMs).toBe(6_000)
    sim.advance(60_000)
    expect(sim.statuses().s).toBe('waiting')
    sim.feed({ kind: 'resume' })
    expect(sim.events.filter((e) => e.type === 'execution.resumed').at(-1)?.data).toEqual({ from: 'paused' })
    expect(sim.statuses().b).toBe('running')
    sim.advance(5_999)
    expect(sim.statuses().s).toBe('waiting')
    sim.advance(1)
    expect(sim.statuses().s).toBe('completed')
  })

  it('a pause step parks its branch; the others go on; then the execution is paused with its reason', () => {
    const sim = new Sim(testWorkflow({ p: { pause: 'check the numbers' }, a: {}, after: { needs: ['p'] } })).start()
    expect(sim.state.status).toBe('running')
    sim.succeed('a')
    expect(sim.state.status).toBe('paused')
    expect(sim.events.at(-1)).toMatchObject({ type: 'execution.paused', data: { reason: 'check the numbers' } })
    sim.feed({ kind: 'resume' })
    expect(sim.statuses()).toMatchObject({ p: 'completed', after: 'running' })
  })

  it('cancel aborts running attempts, cancels parked steps, skips the rest, one execution.cancelled', () => {
    const sim = new Sim(testWorkflow({ a: {}, w: { wait: { signal: 'x' } }, b: { needs: ['a'] } })).start()
    sim.feed({ kind: 'cancel', reason: 'no longer needed' })
    expect(sim.statuses()).toEqual({ a: 'cancelled', w: 'cancelled', b: 'skipped' })
    expect(sim.types().filter((t) => t === 'execution.cancelled')).toHaveLength(1)
    expect(sim.commands.some((c) => c.kind === 'abort-attempt' && c.step === 'a')).toBe(true)
    sim.succeed('a')
    expect(sim.types().at(-1)).toBe('execution.cancelled')
  })

  it('retry resets failed and upstream-skipped steps; completed ones keep their output; attempts go on', () => {
    const sim = new Sim(
      testWorkflow({ a: {}, b: { needs: ['a'], retry: { maxAttempts: 2, delayMs: 1 } }, c: { needs: ['b'] } }),
    ).start()
    sim.succeed('a', 'A').fail('b').advance(1).fail('b')
    expect(sim.state.status).toBe('failed')
    sim.feed({ kind: 'retry' })
    expect(sim.events.filter((e) => e.type === 'execution.resumed').at(-1)?.data).toEqual({ from: 'failed' })
    expect(sim.attempt('b')).toBe(3)
    sim.fail('b').advance(1)
    expect(sim.attempt('b')).toBe(4)
    sim.succeed('b').succeed('c')
    expect(sim.state.status).toBe('completed')
    expect(sim.started().filter((s) => s === 'a')).toHaveLength(1)
    expect(sim.state.run).toBe(2)
  })

  it('execution timeout: running steps are cancelled and the execution fails with TIMEOUT', () => {
    const sim = new Sim(testWorkflow({ a: {} }, { timeoutMs: 1_000 })).start()
    sim.advance(1_000)
    expect(sim.state.status).toBe('failed')
    expect(sim.state.error).toMatchObject({ code: 'TIMEOUT', step: null })
    expect(sim.statuses().a).toBe('cancelled')
  })
})

describe('decide: recovery', () => {
  it('a step that was running when the process died starts again as a new attempt, with no end event for the cut one', () => {
    const first = new Sim(testWorkflow({ a: {}, b: { needs: ['a'] } })).start()
    first.succeed('a')
    const sim = new Sim(first.state.workflow)
    // Recreate the state as the store would have it, then recover in a "new process".
    Object.assign(sim.state, { status: 'running' })
    for (const [name, step] of first.state.steps) Object.assign(sim.state.step(name), step)
    sim.state.live.add('b')
    sim.feed({ kind: 'recover' })
    expect(sim.log()).toEqual(['step.started:b'])
    expect(sim.events[0]?.attempt).toBe(2)
    expect(sim.state.step('b').failures).toBe(0)
  })
})

describe('decide: pausing before the start', () => {
  it('pauses a pending execution at once; resume starts it with execution.started', () => {
    const sim = new Sim(testWorkflow({ a: {} }))
    sim.feed({ kind: 'pause', reason: null })
    expect(sim.state.status).toBe('paused')
    expect(sim.types()).toEqual(['execution.paused'])
    sim.feed({ kind: 'resume' })
    expect(sim.types()).toEqual(['execution.paused', 'execution.resumed', 'execution.started', 'step.started'])
    expect(sim.state.status).toBe('running')
  })
})
