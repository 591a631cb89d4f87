import { afterEach, describe, expect, it } from 'vitest'
import { createActionRegistry, defineAction, type ActionContext } from '../../src/actions/index.js'
import { defineWorkflow } from '../../src/definition/index.js'
import { createTestEngine, FakeClock, type TestEngine } from '../../src/testing/index.js'
import { testWorkflow } from '../support/workflow.js'
import { backends } from '../support/postgres.js'

let open: TestEngine[] = []
afterEach(async () => {
  await Promise.all(open.map((t) => t.close()))
  open = []
})

describe.each(backends)('on $name', (backend) => {
  async function withActions(register: (r: ReturnType<typeof createActionRegistry>) => void) {
    const actions = createActionRegistry()
    register(actions)
    const clock = new FakeClock()
    const t = await createTestEngine({ clock, actions, store: await backend.open(clock) })
    open.push(t)
    return Object.assign(t, { clock })
  }

  describe('actions as the engine runs them', () => {
    it('an attempt that passes its timeout is aborted through its signal and fails with TIMEOUT', async () => {
      let abortedWith: unknown = null
      const t = await withActions((r) =>
        r.register(
          'slow',
          (_input: unknown, ctx: ActionContext) =>
            new Promise((_, reject) =>
              ctx.signal.addEventListener('abort', () => {
                abortedWith = ctx.signal.reason
                reject(new Error('stopped'))
              }),
            ),
          'test',
        ),
      )
      const handle = await t.engine.start(
        testWorkflow({ a: { action: 'slow', timeoutMs: 5_000, on_timeout: ['late'] }, late: {} }),
      )
      await t.until('step.started')
      await t.clock.advance(5_000)
      const execution = await handle.result()
      expect(abortedWith).toMatchObject({ code: 'TIMEOUT' })
      expect(execution.steps.a).toMatchObject({ status: 'failed', error: { code: 'TIMEOUT' } })
      expect(execution.steps.late?.status).toBe('completed')
    })

    it('an action that ignores its signal is left behind: the attempt still ends at its timeout', async () => {
      const t = await withActions((r) => r.register('deaf', () => new Promise(() => {}), 'test'))
      const handle = await t.engine.start(testWorkflow({ a: { action: 'deaf', timeoutMs: 1_000 } }))
      await t.until('step.started')
      await t.clock.advance(1_000)
      await expect(handle.result()).resolves.toMatchObject({ status: 'failed', error: { code: 'TIMEOUT', step: 'a' } })
    })

    it('TIMEOUT is retried like any other failure', async () => {
      let calls = 0
      const t = await withActions((r) =>
        r.register(
          'slow-once',
          (_i: unknown, ctx: ActionContext) => (++calls === 1 ? new Promise(() => {}) : ctx.attempt),
          'test',
        ),
      )
      const handle = await t.engine.start(
        testWorkflow({ a: { action: 'slow-once', timeoutMs: 100, retry: { maxAttempts: 2, delayMs: 10 } } }),
      )
      await t.until('step.started')
      await t.clock.advance(100)
      await t.until('step.retrying')
      await t.clock.advance(10)
      await expect(handle.result()).resolves.toMatchObject({
        status: 'completed',
        steps: { a: { output: 2, attempts: 2 } },
      })
    })

    it('an output that is not JSON fails the attempt with INVALID_OUTPUT', async () => {
      const t = await withActions((r) => r.register('bigint', () => ({ n: 1n }), 'test'))
      const execution = await t.engine.run(testWorkflow({ a: { action: 'bigint' } }))
      expect(execution.steps.a?.error).toMatchObject({ code: 'INVALID_OUTPUT' })
    })

    it('undefined becomes null', async () => {
      const t = await withActions((r) => r.register('nothing', () => undefined, 'test'))
      const execution = await t.engine.run(testWorkflow({ a: { action: 'nothing' } }))
      expect(execution.steps.a).toMatchObject({ status: 'completed', output: null })
    })

    it('a thrown error gives the step error its code and message; retryable: false fails at once', async () => {
      const t = await withActions((r) => {
        r.register(
          'coded',
          () => {
            throw Object.assign(new Error('card declined'), { code: 'DECLINED', retryable: false })
          },
          'test',
        )
      })
      const execution = await t.engine.run(testWorkflow({ a: { action: 'coded', retry: { maxAttempts: 5 } } }))
      expect(execution.steps.a).toMatchObject({ attempts: 1, error: { code: 'DECLINED', message: 'card declined' } })
      expect(t.events.map((e) => e.type)).not.toContain('step.retrying')
    })

    it('passes the context: attempt, idempotency key per step and per iteration, execution id, step, index', async () => {
      const seen: Omit<ActionContext, 'signal' | 'logger'>[] = []
      const t = await withActions((r) =>
        r.register(
          'spy',
          (_i: unknown, ctx: ActionContext) => {
            seen.push({
              attempt: ctx.attempt,
              idempotencyKey: ctx.idempotencyKey,
              executionId: ctx.executionId,
              step: ctx.step,
              index: ctx.index,
            })
            return null
          },
          'test',
        ),
      )
      const execution = await t.engine.run(
        testWorkflow({ a: { action: 'spy' }, b: { action: 'spy', for_each: '{{ ["x"] }}' } }),
        {},
        { id: 'ctx-1' },
      )
      expect(execution.status).toBe('completed')
      expect(seen).toEqual([
        { attempt: 1, idempotencyKey: 'ctx-1/a', executionId: 'ctx-1', step: 'a', index: null },
        { attempt: 1, idempotencyKey: 'ctx-1/b/0', executionId: 'ctx-1', step: 'b', index: 0 },
      ])
    })

    it('runs a builder workflow whose steps were given functions and defineAction actions', async () => {
      const t = await withActions(() => {})
      const double = defineAction('math.double', (input: { n: number }) => input.n * 2)
      const wf = defineWorkflow('builder-run', { inputs: { n: { type: 'number' } } }, (w) => {
        const first = w.action('first', double, { with: { n: '{{ inputs.n }}' } })
        w.action('second', (input: { n: number }) => input.n + 1, {
          needs: [first],
          with: { n: '{{ steps.first.output }}' },
        })
      })
      const execution = await t.engine.run(wf, { n: 20 })
      expect(execution.steps.second?.output).toBe(41)
      expect(t.engine.actions.has('math.double')).toBe(true)
    })
  })
})
