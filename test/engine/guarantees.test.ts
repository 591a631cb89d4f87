import { afterEach, describe, expect, it } from 'vitest'
import { createActionRegistry, defineAction } from '../../src/actions/index.js'
import { Engine } from '../../src/engine/index.js'
import type { TrellisEvent } from '../../src/events/index.js'
import { createTestEngine, FakeClock, type TestEngine } from '../../src/testing/index.js'
import { testWorkflow } from '../support/workflow.js'
import { backends } from '../support/postgres.js'

/** A promise with its resolve function, to let a test decide when an action returns. */
function deferred<T = unknown>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

function bySeq(events: TrellisEvent[], id: string): TrellisEvent[] {
  return events.filter((e) => e.execution_id === id)
}

let open: TestEngine[] = []
afterEach(async () => {
  await Promise.all(open.map((t) => t.close()))
  open = []
})

describe.each(backends)('on $name', (backend) => {
  async function testEngine(
    actions = createActionRegistry(),
    clock = new FakeClock(),
  ): Promise<TestEngine & { clock: FakeClock }> {
    const t = await createTestEngine({ clock, actions, store: await backend.open(clock) })
    open.push(t)
    return Object.assign(t, { clock })
  }

  describe('guarantee 1: seq runs 1, 2, 3 … per execution, in commit order', () => {
    it('numbers every event of parallel executions without gap or repeat', async () => {
      const t = await testEngine()
      const wf = testWorkflow({ a: {}, b: {}, c: { needs: ['a', 'b'], for_each: '{{ [1, 2, 3] }}' } })
      const handles = await Promise.all([1, 2, 3, 4].map(() => t.engine.start(wf)))
      await Promise.all(handles.map((h) => h.result()))
      for (const h of handles) {
        const stored = await t.engine.store.readEvents(h.id, 0, 1_000)
        expect(stored.map((e) => e.seq)).toEqual(stored.map((_, i) => i + 1))
        expect(bySeq(t.events, h.id).map((e) => e.seq)).toEqual(stored.map((e) => e.seq))
      }
    })
  })

  describe('guarantee 2 and 3: exactly one terminal event, last; never completed while paused, suspended or failed', () => {
    it('writes one terminal event per run, after every other event of that run', async () => {
      const t = await testEngine()
      const wf = testWorkflow(
        { a: { action: 'core.fail', with: { retryable: false } }, b: {} },
        { failurePolicy: 'continue' },
      )
      const handle = await t.engine.start(wf)
      const first = await handle.result()
      expect(first.status).toBe('failed')
      await (await t.engine.retry(handle.id)).result()
      const events = await t.engine.store.readEvents(handle.id, 0, 1_000)
      const terminal = events.filter(
        (e) => e.type.startsWith('execution.') && ['completed', 'failed', 'cancelled'].includes(e.type.split('.')[1]!),
      )
      expect(terminal.map((e) => e.type)).toEqual(['execution.failed', 'execution.failed'])
      const resumedAt = events.findIndex((e) => e.type === 'execution.resumed')
      expect(events[resumedAt - 1]?.type).toBe('execution.failed')
      expect(events.at(-1)?.type).toBe('execution.failed')
    })

    it('a suspended execution is not completed, and a paused one neither', async () => {
      const t = await testEngine()
      const handle = await t.engine.start(testWorkflow({ w: { wait: { signal: 'go' } } }))
      await t.until('execution.suspended')
      await t.engine.pause(handle.id, 'hold')
      await t.until('execution.paused')
      await t.clock.advance(60_000)
      expect(t.events.map((e) => e.type)).not.toContain('execution.completed')
      expect((await t.engine.get(handle.id)).status).toBe('paused')
    })
  })

  describe('guarantee 4: retries are counted exactly', () => {
    it('max_attempts 3 that never succeeds: started 3 times, retrying twice, each before the next start, one failed last', async () => {
      const t = await testEngine()
      const wf = testWorkflow({
        a: { action: 'core.fail', retry: { maxAttempts: 3, backoff: 'exponential', delayMs: 1_000 } },
      })
      const handle = await t.engine.start(wf)
      await t.until('step.retrying')
      await t.clock.advance(999)
      expect(t.events.filter((e) => e.type === 'step.started')).toHaveLength(1)
      await t.clock.advance(1)
      await t.until((e) => e.type === 'step.retrying' && e.attempt === 2)
      await t.clock.advance(2_000)
      const result = await handle.result()
      expect(result.status).toBe('failed')
      expect(result.steps.a?.attempts).toBe(3)
      const types = t.events.filter((e) => e.step === 'a').map((e) => `${e.type}#${e.attempt}`)
      expect(types).toEqual([
        'step.started#1',
        'step.retrying#1',
        'step.started#2',
        'step.retrying#2',
        'step.started#3',
        'step.failed#3',
      ])
    })

    it('max_attempts 1: no step.retrying at all', async () => {
      const t = await testEngine()
      await t.engine.run(testWorkflow({ a: { action: 'core.fail' } }))
      expect(t.events.map((e) => e.type)).not.toContain('step.retrying')
    })
  })

  describe('guarantee 5: no step both completed and failed, none twice', () => {
    it('holds for plain steps and per iteration', async () => {
      const t = await testEngine()
      const wf = testWorkflow({
        a: { action: 'core.fail', with: { attempts: 1 }, retry: { maxAttempts: 2, delayMs: 10 } },
        each: { for_each: '{{ [1, 2, 3] }}', action: 'core.echo', with: { value: '{{ item }}' } },
        bad: { action: 'core.fail', on_failure: ['h'] },
        h: {},
      })
      const handle = await t.engine.start(wf)
      await t.until('step.retrying')
      await t.clock.advance(10)
      expect((await handle.result()).status).toBe('completed')
      const seen = new Map<string, string[]>()
      for (const e of t.events) {
        if (e.type !== 'step.completed' && e.type !== 'step.failed') continue
        const key = `${e.step}#${e.index}`
        seen.set(key, [...(seen.get(key) ?? []), e.type])
      }
      for (const [key, types] of seen) expect(types, key).toHaveLength(1)
      expect(seen.get('bad#null')).toEqual(['step.failed'])
    })
  })

  describe('guarantee 7: waiters are woken by the end, without polling', () => {
    it('wakes an in-process waiter when the last step completes, with no timer advancing', async () => {
      const gate = deferred()
      const actions = createActionRegistry()
      actions.register('gate', () => gate.promise, 'test')
      const t = await testEngine(actions)
      const handle = await t.engine.start(testWorkflow({ a: { action: 'gate' } }))
      await t.until('step.started')
      const result = handle.result()
      const pendingTimers = t.clock.pendingTimers
      gate.resolve('done')
      const execution = await result
      expect(execution.status).toBe('completed')
      expect(execution.steps.a?.output).toBe('done')
      // Nothing was advanced and no new timer was needed to wake the waiter.
      expect(t.clock.pendingTimers).toBeLessThanOrEqual(pendingTimers)
    })

    it('answers a waiter that asks after the end at once', async () => {
      const t = await testEngine()
      const handle = await t.engine.start(testWorkflow({ a: {} }))
      await handle.result()
      await expect(handle.result()).resolves.toMatchObject({ status: 'completed' })
    })

    it('wakes the waiter when the execution timeout passes', async () => {
      const t = await testEngine()
      const handle = await t.engine.start(testWorkflow({ s: { sleep: '1h' } }, { timeoutMs: 60_000 }))
      const result = handle.result()
      await t.clock.advance(60_000)
      await expect(result).resolves.toMatchObject({ status: 'failed', error: { code: 'TIMEOUT', step: null } })
    })

    it('wakes the waiter on cancellation, and aborts the running action through its signal', async () => {
      let aborted = false
      const actions = createActionRegistry()
      actions.register(
        'forever',
        defineAction(
          'forever',
          (_input: unknown, ctx) =>
            new Promise((_, reject) =>
              ctx.signal.addEventListener('abort', () => ((aborted = true), reject(new Error('aborted')))),
            ),
        ),
        'test',
      )
      const t = await testEngine(actions)
      const handle = await t.engine.start(testWorkflow({ a: { action: 'forever' } }))
      await t.until('step.started')
      const result = handle.result()
      await t.engine.cancel(handle.id, 'stop')
      await expect(result).resolves.toMatchObject({ status: 'cancelled' })
      expect(aborted).toBe(true)
      expect(t.events.filter((e) => e.type === 'execution.cancelled')).toHaveLength(1)
    })

    it('wakes the waiter when the store fails under the execution (internal error)', async () => {
      const gate = deferred()
      const actions = createActionRegistry()
      actions.register('gate', () => gate.promise, 'test')
      const t = await testEngine(actions)
      const handle = await t.engine.start(testWorkflow({ a: { action: 'gate' } }))
      await t.until('step.started')
      const result = handle.result()
      await t.engine.store.close()
      gate.resolve(1)
      await expect(result).rejects.toThrow()
    })

    it('wakes a waiter in another engine (another process) when the execution is cancelled there', async () => {
      const clock = new FakeClock()
      const openShared = backend.shared(clock)
      const storeA = await openShared()
      const storeB = await openShared()
      const a = new Engine({ store: storeA, clock })
      const b = new Engine({ store: storeB, clock })
      const handle = await a.start(testWorkflow({ w: { wait: { signal: 'never' } } }))
      const waitedFromB = b.handle(handle.id).result()
      await b.cancel(handle.id, 'from b')
      await expect(waitedFromB).resolves.toMatchObject({ status: 'cancelled' })
      await expect(handle.result()).resolves.toMatchObject({ status: 'cancelled' })
      await a.close()
      await b.close()
    })
  })
})
