import { afterEach, describe, expect, it } from 'vitest'
import { createActionRegistry, type ActionRegistry, type AnyAction } from '../../src/actions/index.js'
import type { TrellisEvent } from '../../src/events/index.js'
import { createTestEngine, FakeClock, type TestEngine } from '../../src/testing/index.js'
import type { Clock } from '../../src/util/index.js'
import { runWorker, type Worker } from '../../src/worker/index.js'
import { backends } from '../support/postgres.js'
import { waitUntil } from '../support/wait.js'
import { testWorkflow } from '../support/workflow.js'

/**
 * Detached executions (typescript-api.md, "Who runs an execution"): workers claim attempts, not executions, and take
 * the decisions that follow under the execution's row lock. Each worker is an engine with a store of its own on one
 * shared database, as separate processes would be; a third engine, with no worker, stands for the CLI that starts,
 * signals, pauses and cancels.
 */
let open: { t: TestEngine; worker: Worker | null }[] = []
afterEach(async () => {
  for (const { t, worker } of open) {
    await worker?.stop()
    await t.close()
  }
  open = []
})

function registry(actions: Record<string, (input: never, ctx: never) => unknown>): ActionRegistry {
  const r = createActionRegistry()
  for (const [name, fn] of Object.entries(actions)) r.register(name, fn as AnyAction, 'test')
  return r
}

function startsPerAttempt(events: readonly TrellisEvent[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const e of events) {
    if (e.type !== 'step.started') continue
    const key = `${e.execution_id}/${e.step}/${e.index}:${e.attempt}`
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return counts
}

describe.each(backends)('on $name', (backend) => {
  async function cluster(options: {
    workers: number
    concurrency?: number
    clock?: Clock
    actions: (name: string) => ActionRegistry
  }): Promise<{ client: TestEngine; workers: TestEngine[]; all: () => TrellisEvent[] }> {
    const openShared = backend.shared(options.clock)
    const client = await createTestEngine({
      clock: options.clock,
      store: await openShared(),
      actions: options.actions('client'),
    })
    open.push({ t: client, worker: null })
    const workers: TestEngine[] = []
    for (let i = 0; i < options.workers; i++) {
      const name = String.fromCharCode(65 + i)
      const t = await createTestEngine({
        clock: options.clock,
        store: await openShared(),
        actions: options.actions(name),
      })
      const worker = runWorker(t.engine, { concurrency: options.concurrency ?? 4 })
      open.push({ t, worker })
      workers.push(t)
    }
    return { client, workers, all: () => [client, ...workers].flatMap((t) => t.events) }
  }

  it("spreads one execution's fan-out over several workers, each attempt started once", async () => {
    let runningNow = 0
    let peak = 0
    const c = await cluster({
      workers: 2,
      concurrency: 4,
      actions: (name) =>
        registry({
          who: async () => {
            runningNow++
            peak = Math.max(peak, runningNow)
            // Hold the slot until both workers are busy, so neither can run them all.
            await waitUntil(() => peak >= 6, { what: 'both workers busy', timeoutMs: 10_000 }).catch(() => {})
            runningNow--
            return name
          },
        }),
    })
    const wf = testWorkflow({
      fan: { for_each: '{{ [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] }}', concurrency: 12, action: 'who' },
    })
    const record = await c.client.engine.create(wf)
    const done = await c.client.engine.handle(record.id).result({ timeoutMs: 20_000 })
    expect(done.status).toBe('completed')
    const output = done.steps['fan']?.output as string[]
    expect(output).toHaveLength(12)
    expect(new Set(output)).toEqual(new Set(['A', 'B']))
    for (const [key, n] of startsPerAttempt(c.all())) expect(n, key).toBe(1)
  })

  it('retries with backoff on the clock, then completes', async () => {
    const clock = new FakeClock()
    let calls = 0
    const c = await cluster({
      workers: 1,
      clock,
      actions: () =>
        registry({
          flaky: () => {
            calls++
            if (calls < 3) throw Object.assign(new Error(`try ${calls}`), { code: 'FLAKY' })
            return calls
          },
        }),
    })
    const wf = testWorkflow({
      s: { action: 'flaky', retry: { maxAttempts: 3, backoff: 'constant', delayMs: 1_000 } },
    })
    const record = await c.client.engine.create(wf)
    const w = c.workers[0]!
    for (let attempt = 1; attempt <= 2; attempt++) {
      await w.until((e) => e.type === 'step.retrying' && e.attempt === attempt)
      await clock.advance(1_000)
    }
    const done = await c.client.engine.handle(record.id).result({ timeoutMs: 10_000 })
    expect(done.status).toBe('completed')
    expect(w.events.filter((e) => e.type === 'step.started').map((e) => e.attempt)).toEqual([1, 2, 3])
  })

  it('cancel from another process aborts the attempt a worker is running', async () => {
    let aborted = false
    const c = await cluster({
      workers: 1,
      actions: () =>
        registry({
          forever: (_input: unknown, ctx: { signal: AbortSignal }) =>
            new Promise((_resolve, reject) => {
              ctx.signal.addEventListener('abort', () => {
                aborted = true
                reject(new Error('aborted'))
              })
            }),
        }),
    })
    const record = await c.client.engine.create(testWorkflow({ s: { action: 'forever' } }))
    await c.workers[0]!.until('step.started')
    await c.client.engine.cancel(record.id, 'enough')
    const done = await c.client.engine.handle(record.id).result({ timeoutMs: 10_000 })
    expect(done.status).toBe('cancelled')
    await waitUntil(() => aborted, { what: 'the running attempt to be aborted', timeoutMs: 10_000 })
  })

  it('pause lets the running attempt finish and starts nothing new; resume goes on', async () => {
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => (release = resolve))
    const c = await cluster({
      workers: 1,
      actions: () => registry({ gated: async () => (await gate, 'one'), quick: () => 'two' }),
    })
    const wf = testWorkflow({ a: { action: 'gated' }, b: { needs: ['a'], action: 'quick' } })
    const record = await c.client.engine.create(wf)
    const w = c.workers[0]!
    await w.until('step.started')
    await c.client.engine.pause(record.id, 'hold on')
    expect((await c.client.engine.get(record.id)).status).toBe('running')
    release()
    await w.until('execution.paused')
    const paused = await c.client.engine.get(record.id)
    expect(paused.status).toBe('paused')
    expect(paused.steps['b']?.status).toBe('pending')
    await c.client.engine.resume(record.id)
    const done = await c.client.engine.handle(record.id).result({ timeoutMs: 10_000 })
    expect(done.status).toBe('completed')
    expect([done.steps['a']?.output, done.steps['b']?.output]).toEqual(['one', 'two'])
  })

  it('a signal from another process reaches a waiting step; a child workflow runs on the workers too', async () => {
    const c = await cluster({ workers: 2, actions: () => registry({ plus: (x: { n: number }) => x.n + 1 }) })
    const child = testWorkflow(
      { inc: { action: 'plus', with: { n: '{{ inputs.n }}' } } },
      {
        name: 'child',
        inputs: { n: { type: 'number', required: true, description: null } },
        outputs: { n: '{{ steps.inc.output }}' },
      },
    )
    const parent = testWorkflow(
      {
        approve: { wait: { signal: 'go' } },
        sub: { needs: ['approve'], workflow: 'child', with: { n: '{{ steps.approve.output.n }}' } },
      },
      { outputs: { n: '{{ steps.sub.output.n }}' } },
    )
    for (const t of [c.client, ...c.workers]) t.engine.register(child)
    const record = await c.client.engine.create(parent)
    await waitUntil(async () => (await c.client.engine.get(record.id)).status === 'suspended', {
      what: 'the wait to park',
      timeoutMs: 10_000,
    })
    await c.client.engine.signal(record.id, 'go', { n: 41 })
    const done = await c.client.engine.handle(record.id).result({ timeoutMs: 10_000 })
    expect(done.status).toBe('completed')
    expect(done.outputs).toEqual({ n: 42 })
    expect((await c.client.engine.get(`${record.id}:sub`)).status).toBe('completed')
  })
})
