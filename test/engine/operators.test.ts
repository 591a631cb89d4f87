import { afterEach, describe, expect, it } from 'vitest'
import { createActionRegistry, defineAction } from '../../src/actions/index.js'
import { createTestEngine, FakeClock, type TestEngine } from '../../src/testing/index.js'
import { testWorkflow } from '../support/workflow.js'

/**
 * Issue 4, operators on the fake clock: while paused every clock stands still (wait timeouts, retry delays, the
 * execution timeout), signals that arrive while paused wait for the resume, `pause:` steps park their branch,
 * cancel aborts and cancels everything once, retry resets exactly what failed.
 */
const MIN = 60_000

let open: TestEngine[] = []
afterEach(async () => {
  await Promise.all(open.map((t) => t.close()))
  open = []
})

async function testEngine(actions = createActionRegistry()): Promise<TestEngine & { clock: FakeClock }> {
  const clock = new FakeClock()
  // A lease of days: hours of fake time then hold a few heartbeats, not thousands.
  const t = await createTestEngine({ clock, actions, leaseMs: 3 * 24 * 60 * MIN })
  open.push(t)
  return Object.assign(t, { clock })
}

function typesOf(t: TestEngine, id: string): string[] {
  return t.events.filter((e) => e.execution_id === id).map((e) => (e.step === null ? e.type : `${e.type} ${e.step}`))
}

describe('while paused, clocks stand still', () => {
  it('a wait timeout keeps the time it had left; a signal sent while paused is taken only after resume', async () => {
    const t = await testEngine()
    const wf = testWorkflow({ w: { wait: { signal: 'go', timeoutMs: 10 * MIN }, on_timeout: ['late'] }, late: {} })
    const handle = await t.engine.start(wf)
    await t.until('execution.suspended')
    await t.clock.advance(4 * MIN)
    await t.engine.pause(handle.id, 'lunch')
    await t.until('execution.paused')
    await t.clock.advance(60 * MIN)
    await t.engine.signal(handle.id, 'other', 1)
    expect((await t.engine.get(handle.id)).steps.w?.status).toBe('waiting')

    await t.engine.resume(handle.id)
    await t.clock.advance(6 * MIN - 1)
    expect((await t.engine.get(handle.id)).steps.w?.status, 'not timed out 1 ms early').toBe('waiting')
    await t.clock.advance(1)
    const execution = await handle.result()
    expect(execution.steps.w).toMatchObject({ status: 'failed', error: { code: 'TIMEOUT' } })
    expect(execution.steps.late?.status).toBe('completed')
  })

  it('a signal sent while paused is stored at once and taken by its wait after resume', async () => {
    const t = await testEngine()
    const handle = await t.engine.start(
      testWorkflow({ w: { wait: { signal: 'go' } } }, { outputs: { got: '{{ steps.w.output }}' } }),
    )
    await t.until('execution.suspended')
    await t.engine.pause(handle.id)
    await t.until('execution.paused')
    await t.engine.signal(handle.id, 'go', 'yes')
    await t.clock.advance(MIN)
    const paused = await t.engine.get(handle.id)
    expect(paused.status).toBe('paused')
    expect(paused.steps.w?.status).toBe('waiting')
    await t.engine.resume(handle.id)
    await expect(handle.result()).resolves.toMatchObject({ status: 'completed', outputs: { got: 'yes' } })
    expect(typesOf(t, handle.id)).toEqual([
      'execution.started',
      'step.waiting w',
      'execution.suspended',
      'execution.paused',
      'signal.received',
      'execution.resumed',
      'step.completed w',
      'execution.completed',
    ])
  })

  it('a retry delay keeps the time it had left', async () => {
    const t = await testEngine()
    const wf = testWorkflow({
      flaky: {
        action: 'core.fail',
        with: { attempts: 1 },
        retry: { maxAttempts: 2, backoff: 'constant', delayMs: 10 * MIN },
      },
    })
    const handle = await t.engine.start(wf)
    await t.until('step.retrying')
    await t.clock.advance(3 * MIN)
    await t.engine.pause(handle.id)
    await t.until('execution.paused')
    await t.clock.advance(5 * 60 * MIN)
    await t.engine.resume(handle.id)
    await t.clock.advance(7 * MIN - 1)
    expect(t.events.filter((e) => e.type === 'step.started')).toHaveLength(1)
    await t.clock.advance(1)
    await expect(handle.result()).resolves.toMatchObject({ status: 'completed' })
    expect(t.events.filter((e) => e.type === 'step.started').map((e) => e.attempt)).toEqual([1, 2])
  })

  it('the execution timeout keeps the time it had left', async () => {
    const t = await testEngine()
    const handle = await t.engine.start(testWorkflow({ w: { wait: { signal: 'never' } } }, { timeoutMs: 10 * MIN }))
    await t.until('execution.suspended')
    await t.clock.advance(2 * MIN)
    await t.engine.pause(handle.id)
    await t.until('execution.paused')
    await t.clock.advance(24 * 60 * MIN)
    expect((await t.engine.get(handle.id)).status).toBe('paused')
    await t.engine.resume(handle.id)
    await t.clock.advance(8 * MIN - 1)
    expect((await t.engine.get(handle.id)).status).toBe('suspended')
    await t.clock.advance(1)
    await expect(handle.result()).resolves.toMatchObject({ status: 'failed', error: { code: 'TIMEOUT', step: null } })
  })
})

describe('pause steps', () => {
  it('park their branch; the other branch goes on; then the execution is paused with the reason', async () => {
    let finish: () => void = () => {}
    const actions = createActionRegistry()
    actions.register(
      'gated',
      defineAction('gated', () => new Promise<void>((resolve) => (finish = resolve))),
      'test',
    )
    const t = await testEngine(actions)
    const wf = testWorkflow({
      gate: { pause: 'check the numbers' },
      after: { needs: ['gate'] },
      other: { action: 'gated' },
      other2: { needs: ['other'] },
    })
    const handle = await t.engine.start(wf)
    await t.until((e) => e.type === 'step.waiting' && e.step === 'gate')
    await t.until((e) => e.type === 'step.started' && e.step === 'other')
    await t.clock.advance(MIN)
    expect((await t.engine.get(handle.id)).status, 'a branch still runs').toBe('running')
    finish()
    const paused = await t.until('execution.paused')
    expect(paused.data).toEqual({ reason: 'check the numbers' })
    const view = await t.engine.get(handle.id)
    expect(view.steps.other2?.status).toBe('completed')
    expect(view.steps.after?.status).toBe('pending')

    await t.engine.resume(handle.id)
    await expect(handle.result()).resolves.toMatchObject({ status: 'completed' })
    expect(t.events.filter((e) => e.type === 'execution.resumed').at(-1)?.data).toEqual({ from: 'paused' })
    expect(typesOf(t, handle.id).filter((x) => x.endsWith(' gate') || x.endsWith(' after'))).toEqual([
      'step.waiting gate',
      'step.completed gate',
      'step.started after',
      'step.completed after',
    ])
  })
})

describe('cancel', () => {
  it('aborts running attempts, cancels parked steps, writes exactly one execution.cancelled', async () => {
    const reasons: unknown[] = []
    const actions = createActionRegistry()
    actions.register(
      'forever',
      defineAction(
        'forever',
        (_input: unknown, ctx) =>
          new Promise((_, reject) =>
            ctx.signal.addEventListener('abort', () => {
              reasons.push(ctx.signal.reason)
              reject(new Error('aborted'))
            }),
          ),
      ),
      'test',
    )
    const t = await testEngine(actions)
    const handle = await t.engine.start(
      testWorkflow({ run: { action: 'forever' }, park: { wait: { signal: 'x' } }, nap: { sleep: '1h' } }),
    )
    await t.until('step.started')
    await t.until((e) => e.type === 'step.waiting' && e.step === 'nap')
    await Promise.all([t.engine.cancel(handle.id, 'stop'), t.engine.cancel(handle.id, 'stop again')])
    const execution = await handle.result()
    expect(execution.status).toBe('cancelled')
    expect(reasons).toHaveLength(1)
    expect(Object.values(execution.steps).map((s) => s.status)).toEqual(['cancelled', 'cancelled', 'cancelled'])
    expect(t.events.filter((e) => e.type === 'execution.cancelled')).toHaveLength(1)
    expect(t.events.at(-1)?.type).toBe('execution.cancelled')
    await t.clock.advance(2 * 60 * MIN)
    expect(t.events.at(-1)?.type, 'no timer of a cancelled execution fires').toBe('execution.cancelled')
  })
})

describe('retry of a failed execution', () => {
  it('resets failed, cancelled and skipped steps; completed ones keep their outputs; attempts go on with a fresh budget', async () => {
    const t = await testEngine()
    const wf = testWorkflow(
      {
        a: { action: 'core.echo', with: { value: 'A' } },
        b: {
          needs: ['a'],
          action: 'core.fail',
          with: { attempts: 3 },
          retry: { maxAttempts: 2, backoff: 'constant', delayMs: 1_000 },
        },
        c: { needs: ['b'], action: 'core.echo', with: { value: '{{ steps.a.output }}{{ steps.b.output.attempt }}' } },
        d: { needs: ['a'], sleep: '1h' },
      },
      { outputs: { c: '{{ steps.c.output }}' } },
    )
    const handle = await t.engine.start(wf)
    await t.clock.advance(1_000)
    const failed = await handle.result()
    expect(failed.status).toBe('failed')
    expect(failed.steps).toMatchObject({
      a: { status: 'completed', attempts: 1 },
      b: { status: 'failed', attempts: 2 },
      c: { status: 'skipped' },
      d: { status: 'cancelled' },
    })

    const again = await t.engine.retry(handle.id)
    await t.clock.advance(1_000)
    await t.clock.advance(60 * MIN)
    const execution = await again.result()
    expect(execution).toMatchObject({ status: 'completed', error: null, outputs: { c: 'A4' } })
    expect(execution.steps).toMatchObject({
      a: { status: 'completed', attempts: 1, output: 'A' },
      b: { status: 'completed', attempts: 4 },
      c: { status: 'completed', attempts: 1 },
      d: { status: 'completed' },
    })
    const b = t.events.filter((e) => e.step === 'b' && e.type === 'step.started').map((e) => e.attempt)
    expect(b).toEqual([1, 2, 3, 4])
    expect(t.events.filter((e) => e.step === 'a' && e.type === 'step.started')).toHaveLength(1)
    const terminal = t.events.filter((e) => ['execution.failed', 'execution.completed'].includes(e.type))
    expect(terminal.map((e) => e.type)).toEqual(['execution.failed', 'execution.completed'])
    const resumed = t.events.find((e) => e.type === 'execution.resumed')
    expect(resumed?.data).toEqual({ from: 'failed' })
    expect(t.events.indexOf(resumed!)).toBe(t.events.indexOf(terminal[0]!) + 1)
  })
})
