import { afterEach, describe, expect, it } from 'vitest'
import { createActionRegistry } from '../../src/actions/index.js'
import { IdConflictError } from '../../src/engine/index.js'
import { createTestEngine, FakeClock, type TestEngine } from '../../src/testing/index.js'
import { testWorkflow } from '../support/workflow.js'
import { backends } from '../support/postgres.js'

let open: TestEngine[] = []
afterEach(async () => {
  await Promise.all(open.map((t) => t.close()))
  open = []
})

describe.each(backends)('on $name', (backend) => {
  async function testEngine(actions = createActionRegistry()): Promise<TestEngine & { clock: FakeClock }> {
    const clock = new FakeClock()
    const t = await createTestEngine({ clock, actions, store: await backend.open(clock) })
    open.push(t)
    return Object.assign(t, { clock })
  }

  describe('sleep', () => {
    it('is a durable timer in the store: the execution row carries the wake-up', async () => {
      const t = await testEngine()
      const handle = await t.engine.start(testWorkflow({ s: { sleep: '2h' } }))
      await t.until('execution.suspended')
      const row = await t.engine.store.findExecution(handle.id)
      expect(row?.wakeAt).toBe(t.clock.now() + 2 * 3_600_000)
      await t.clock.advance(2 * 3_600_000)
      await expect(handle.result()).resolves.toMatchObject({ status: 'completed' })
    })
  })

  describe('signals', () => {
    it('delivers per topic in the order sent, each exactly once, including ones sent before the wait', async () => {
      const t = await testEngine()
      const wf = testWorkflow(
        {
          a: { sleep: '1m' },
          w1: { needs: ['a'], wait: { signal: 'go' } },
          w2: { needs: ['w1'], wait: { signal: 'go' } },
        },
        { outputs: { first: '{{ steps.w1.output }}', second: '{{ steps.w2.output }}' } },
      )
      const handle = await t.engine.start(wf)
      await t.engine.signal(handle.id, 'go', { n: 1 })
      await t.engine.signal(handle.id, 'go', { n: 2 })
      await t.engine.signal(handle.id, 'other', 'ignored')
      await t.clock.advance(60_000)
      const execution = await handle.result()
      expect(execution.outputs).toEqual({ first: { n: 1 }, second: { n: 2 } })
      const received = t.events.filter((e) => e.type === 'signal.received')
      expect(received.map((e) => e.step)).toEqual([null, null, null])
    })

    it('a signal to an ended execution is refused with INVALID_STATE', async () => {
      const t = await testEngine()
      const handle = await t.engine.start(testWorkflow({ a: {} }))
      await handle.result()
      await expect(t.engine.signal(handle.id, 'late')).rejects.toMatchObject({ code: 'INVALID_STATE' })
    })
  })

  describe('pause and resume', () => {
    it('while paused, sleeps keep the time they had left', async () => {
      const t = await testEngine()
      const handle = await t.engine.start(testWorkflow({ s: { sleep: '10m' } }))
      await t.clock.advance(4 * 60_000)
      await t.engine.pause(handle.id, 'maintenance')
      await t.until('execution.paused')
      await t.clock.advance(60 * 60_000)
      expect((await t.engine.get(handle.id)).status).toBe('paused')
      await t.engine.resume(handle.id)
      await t.clock.advance(6 * 60_000 - 1)
      expect((await t.engine.get(handle.id)).steps.s?.status).toBe('waiting')
      await t.clock.advance(1)
      await expect(handle.result()).resolves.toMatchObject({ status: 'completed' })
      expect(t.events.filter((e) => e.type === 'execution.resumed').map((e) => e.data)).toEqual([
        { from: 'paused' },
        { from: 'suspended' },
      ])
    })

    it('pause of a completed execution is refused; pause of a paused one changes nothing', async () => {
      const t = await testEngine()
      const done = await t.engine.start(testWorkflow({ a: {} }))
      await done.result()
      await expect(t.engine.pause(done.id)).rejects.toMatchObject({ code: 'INVALID_STATE' })
      const held = await t.engine.start(testWorkflow({ w: { wait: { signal: 'x' } } }))
      await t.engine.pause(held.id)
      await t.engine.pause(held.id)
      expect(t.events.filter((e) => e.type === 'execution.paused' && e.execution_id === held.id)).toHaveLength(1)
    })
  })

  describe('retry', () => {
    it('is refused for an execution that has not failed, saying why', async () => {
      const t = await testEngine()
      const handle = await t.engine.start(testWorkflow({ a: {} }))
      await handle.result()
      await expect(t.engine.retry(handle.id)).rejects.toThrow(/Only failed executions can be retried/)
    })
  })

  describe('idempotent start', () => {
    it('the same id with the same inputs gives the same execution; other inputs are refused', async () => {
      const t = await testEngine()
      const wf = testWorkflow(
        { a: { action: 'core.echo', with: { value: '{{ inputs.n }}' } } },
        { inputs: { n: { type: 'number', required: true, description: null } } },
      )
      const first = await t.engine.start(wf, { n: 1 }, { id: 'order-1' })
      await first.result()
      const again = await t.engine.start(wf, { n: 1 }, { id: 'order-1' })
      expect(again.id).toBe('order-1')
      expect(await t.engine.list()).toHaveLength(1)
      await expect(t.engine.start(wf, { n: 2 }, { id: 'order-1' })).rejects.toBeInstanceOf(IdConflictError)
    })

    it('starting again with the id of a failed execution answers with it at once, holding nothing', async () => {
      const t = await testEngine()
      const wf = testWorkflow({ a: { action: 'core.fail' } })
      await (await t.engine.start(wf, {}, { id: 'failed-once' })).result()
      const again = await t.engine.start(wf, {}, { id: 'failed-once' })
      await expect(again.result()).resolves.toMatchObject({ status: 'failed' })
      expect(t.engine.held).toBe(0)
    })

    it('many concurrent starts of one id create one execution', async () => {
      const t = await testEngine()
      const wf = testWorkflow({ a: {} })
      const handles = await Promise.all(Array.from({ length: 10 }, () => t.engine.start(wf, {}, { id: 'once' })))
      await Promise.all(handles.map((h) => h.result()))
      expect(await t.engine.list()).toHaveLength(1)
      expect(t.events.filter((e) => e.type === 'execution.started')).toHaveLength(1)
    })
  })

  describe('child workflows', () => {
    it('runs the child as its own execution; the step output is the child outputs', async () => {
      const t = await testEngine()
      const child = testWorkflow(
        { echo: { action: 'core.echo', with: { value: '{{ inputs.x }}' } } },
        {
          name: 'child',
          inputs: { x: { type: 'number', required: true, description: null } },
          outputs: { doubled: '{{ steps.echo.output * 2 }}' },
        },
      )
      t.engine.register(child)
      const parent = testWorkflow(
        { call: { workflow: 'child', with: { x: 21 } } },
        { name: 'parent', outputs: { r: '{{ steps.call.output.doubled }}' } },
      )
      const execution = await t.engine.run(parent)
      expect(execution.outputs).toEqual({ r: 42 })
      const children = await t.engine.list({ parentId: execution.id })
      expect(children).toHaveLength(1)
      expect(children[0]).toMatchObject({ workflow: 'child', status: 'completed', parentId: execution.id })
    })

    it('a failed child fails the step with the child error', async () => {
      const t = await testEngine()
      t.engine.register(
        testWorkflow(
          { boom: { action: 'core.fail', with: { code: 'NOPE', message: 'child broke' } } },
          { name: 'bad-child' },
        ),
      )
      const execution = await t.engine.run(testWorkflow({ call: { workflow: 'bad-child' } }, { name: 'parent' }))
      expect(execution.status).toBe('failed')
      expect(execution.steps.call?.error).toMatchObject({ code: 'NOPE', message: 'child broke' })
    })

    it('cancelling the parent cancels its children', async () => {
      const t = await testEngine()
      t.engine.register(testWorkflow({ w: { wait: { signal: 'never' } } }, { name: 'waiting-child' }))
      const handle = await t.engine.start(testWorkflow({ call: { workflow: 'waiting-child' } }, { name: 'parent' }))
      await t.until((e) => e.type === 'execution.suspended' && e.execution_id !== handle.id)
      await t.engine.cancel(handle.id, 'stop all')
      await expect(handle.result()).resolves.toMatchObject({ status: 'cancelled' })
      const [child] = await t.engine.list({ parentId: handle.id })
      await expect(t.engine.handle(child!.id).result()).resolves.toMatchObject({ status: 'cancelled' })
    })
  })

  describe('retention', () => {
    it('gc deletes ended executions older than the cutoff with their events, and keeps the rest', async () => {
      const t = await testEngine()
      const old = await t.engine.run(testWorkflow({ a: {} }))
      await t.clock.advance(31 * 86_400_000)
      const recent = await t.engine.run(testWorkflow({ a: {} }))
      const waiting = await t.engine.start(testWorkflow({ w: { wait: { signal: 'x' } } }))
      expect(await t.engine.gc(t.clock.now() - 30 * 86_400_000)).toBe(1)
      expect(await t.engine.find(old.id)).toBeUndefined()
      expect(await t.engine.store.readEvents(old.id, 0, 10)).toEqual([])
      expect(await t.engine.find(recent.id)).toBeDefined()
      expect(await t.engine.find(waiting.id)).toBeDefined()
    })
  })
})
