import { expect, it } from 'vitest'
import type { ExecutionStatus } from '../../../src/store/index.js'
import {
  holder,
  iterationRecord,
  newExecution,
  patchExecution,
  stepRecord,
  stepStarted,
} from '../../support/store-fixtures.js'
import type { ConformanceContext } from './context.js'

const DAY = 24 * 60 * 60 * 1_000

export function retentionTests(ctx: ConformanceContext): void {
  /** An execution with a step, an iteration, events and signals, in `status` (ended at `completedAt`). */
  async function execution(
    id: string,
    status: ExecutionStatus,
    completedAt: number | null,
    parentId: string | null = null,
  ): Promise<void> {
    const t = ctx.clock.now()
    await ctx.store.createExecution(newExecution(id, t, { parentId }))
    await ctx.store.appendSignal(id, 'taken', 1, t)
    await ctx.store.appendSignal(id, 'left', 2, t)
    const lease = (await ctx.store.acquire(id, holder('h'), t, 1_000))!
    const [taken] = (await ctx.store.loadExecution(id))!.signals
    await ctx.store.commit(
      lease,
      {
        execution: { status, completedAt },
        steps: [stepRecord('a')],
        iterations: [iterationRecord('a', 0)],
        consumeSignals: [{ id: taken!.id, step: 'a' }],
        events: [stepStarted('a')],
      },
      t,
    )
    await ctx.store.release(lease)
  }

  async function expectGone(id: string): Promise<void> {
    expect(await ctx.store.findExecution(id)).toBeUndefined()
    expect(await ctx.store.readEvents(id, 0, 100)).toEqual([])
    expect(await ctx.store.readSteps(id)).toEqual({ steps: [], iterations: [] })
    expect(await ctx.store.listChildren(id)).toEqual([])
  }

  it('deletes executions that ended before the cutoff, with steps, iterations, events, signals and children', async () => {
    const t = ctx.clock.now()
    await execution('old', 'completed', t - 10 * DAY)
    await execution('old-child', 'cancelled', t - 10 * DAY, 'old')
    await execution('old-grandchild', 'running', null, 'old-child') // goes with its tree, ended or not
    await execution('old-failed', 'failed', t - 8 * DAY)
    await execution('recent', 'completed', t - DAY)
    await execution('running', 'running', null)
    await execution('suspended', 'suspended', null)

    expect(await ctx.store.deleteEndedBefore(t - 7 * DAY)).toBe(4)
    for (const id of ['old', 'old-child', 'old-grandchild', 'old-failed']) await expectGone(id)
    expect((await ctx.store.listExecutions({})).map((s) => s.id).sort()).toEqual(['recent', 'running', 'suspended'])
    expect((await ctx.store.loadExecution('recent'))?.signals).toHaveLength(1)
    expect(await ctx.store.deleteEndedBefore(t - 7 * DAY)).toBe(0)
  })

  it('keeps an ended child while its parent lives, and deletes it with the parent', async () => {
    const t = ctx.clock.now()
    await execution('parent', 'running', null)
    await execution('child', 'completed', t - 10 * DAY, 'parent')

    expect(await ctx.store.deleteEndedBefore(t - 7 * DAY)).toBe(0)
    expect(await ctx.store.findExecution('child')).toBeDefined()

    await patchExecution(ctx.store, 'parent', { status: 'completed', completedAt: t - 8 * DAY }, t)
    expect(await ctx.store.deleteEndedBefore(t - 7 * DAY)).toBe(2)
    await expectGone('child')
  })

  it('deletes more executions than fit in one batch', async () => {
    const t = ctx.clock.now()
    for (let i = 0; i < 230; i++) {
      await ctx.store.createExecution(newExecution(`e${i}`, t))
      await patchExecution(ctx.store, `e${i}`, { status: 'completed', completedAt: t - 2 * DAY }, t)
    }
    expect(await ctx.store.deleteEndedBefore(t - DAY)).toBe(230)
    expect(await ctx.store.listExecutions({})).toEqual([])
  })

  it('a completedAt in the future does not protect an execution forever: it expires one TTL after now', async () => {
    const t = ctx.clock.now()
    const ttl = 7 * DAY
    await execution('skewed', 'completed', t + 365 * DAY) // written by a host whose clock ran a year ahead

    expect(await ctx.store.deleteEndedBefore(ctx.clock.now() - ttl)).toBe(0)
    expect((await ctx.store.findExecution('skewed'))?.completedAt).toBe(t) // clamped to the store's now

    await ctx.clock.advance(ttl)
    expect(await ctx.store.deleteEndedBefore(ctx.clock.now() - ttl)).toBe(0) // ended exactly one TTL ago
    await ctx.clock.advance(1)
    expect(await ctx.store.deleteEndedBefore(ctx.clock.now() - ttl)).toBe(1)
    await expectGone('skewed')
  })
}
