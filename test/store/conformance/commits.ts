import { expect, it } from 'vitest'
import type { TrellisEvent } from '../../../src/events/index.js'
import { LeaseLostError, type Lease } from '../../../src/store/index.js'
import {
  holder,
  iterationRecord,
  newExecution,
  stepCompleted,
  stepRecord,
  stepStarted,
} from '../../support/store-fixtures.js'
import type { ConformanceContext } from './context.js'

export function commitTests(ctx: ConformanceContext): void {
  /** Creates `id` and takes it as holder "h". */
  async function held(id = 'e1'): Promise<Lease> {
    await ctx.store.createExecution(newExecution(id, ctx.clock.now()))
    return (await ctx.store.acquire(id, holder('h'), ctx.clock.now(), 1_000))!
  }
  const seqs = (events: readonly TrellisEvent[]): number[] => events.map((e) => e.seq)

  it('appends events numbered from lastSeq + 1, stamped with now, and returns them as stored', async () => {
    const lease = await held()
    const now = ctx.clock.now() + 1_234
    const events = await ctx.store.commit(lease, { events: [stepStarted('a'), stepCompleted('a', { n: 1 })] }, now)

    expect(events).toEqual([
      {
        seq: 1,
        type: 'step.started',
        execution_id: 'e1',
        at: new Date(now).toISOString(),
        step: 'a',
        attempt: 1,
        index: null,
        data: { attempt: 1 },
      },
      {
        seq: 2,
        type: 'step.completed',
        execution_id: 'e1',
        at: new Date(now).toISOString(),
        step: 'a',
        attempt: 1,
        index: null,
        data: { output: { n: 1 } },
      },
    ])
    expect(await ctx.store.readEvents('e1', 0, 100)).toEqual(events)
    const third = await ctx.store.commit(lease, { events: [stepStarted('b')] }, now)
    expect(seqs(third)).toEqual([3])
    expect((await ctx.store.findExecution('e1'))?.lastSeq).toBe(3)
  })

  it('readEvents reads after a seq, in order, at most limit', async () => {
    const lease = await held()
    await ctx.store.commit(
      lease,
      { events: Array.from({ length: 10 }, (_, i) => stepStarted(`s${i}`)) },
      ctx.clock.now(),
    )
    expect(seqs(await ctx.store.readEvents('e1', 3, 4))).toEqual([4, 5, 6, 7])
    expect(seqs(await ctx.store.readEvents('e1', 8, 100))).toEqual([9, 10])
    expect(await ctx.store.readEvents('e1', 10, 100)).toEqual([])
    expect(await ctx.store.readEvents('other', 0, 100)).toEqual([])
  })

  it('numbers events 1..n with no gap or repeat across many commits and signals at once', async () => {
    const lease = await held()
    const now = ctx.clock.now()
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        i % 3 === 2
          ? ctx.store.appendSignal('e1', 'tick', i, now).then((e) => [e])
          : ctx.store.commit(lease, { events: [stepStarted(`s${i}`), stepCompleted(`s${i}`, i)] }, now),
      ),
    )
    for (const events of results) {
      // One commit's events are consecutive.
      expect(seqs(events)).toEqual(events.map((_, i) => events[0]!.seq + i))
    }
    const log = await ctx.store.readEvents('e1', 0, 1_000)
    expect(seqs(log)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1))
    expect(log).toEqual(results.flat().sort((a, b) => a.seq - b.seq))
  })

  it('applies only the fields of the patch, and sets updatedAt', async () => {
    const lease = await held()
    const t = ctx.clock.now()
    await ctx.store.commit(
      lease,
      { execution: { status: 'running', startedAt: t, vars: { a: 1 }, wakeAt: t + 5 } },
      t + 1,
    )
    await ctx.store.commit(
      lease,
      { execution: { vars: { a: 2 }, wakeAt: null, error: { code: 'X', message: 'm', step: 's' } } },
      t + 2,
    )
    await ctx.store.commit(
      lease,
      { execution: { status: undefined, outputs: { o: true }, seenInbox: 3, run: 2 } },
      t + 3,
    )
    await ctx.store.commit(
      lease,
      { execution: { deadlineAt: t + 9, timeoutRemainingMs: 50, pausedReason: 'why', completedAt: t + 3 } },
      t + 3,
    )

    expect(await ctx.store.findExecution('e1')).toMatchObject({
      status: 'running',
      startedAt: t,
      vars: { a: 2 },
      outputs: { o: true },
      error: { code: 'X', message: 'm', step: 's' },
      wakeAt: null,
      seenInbox: 3,
      run: 2,
      deadlineAt: t + 9,
      timeoutRemainingMs: 50,
      pausedReason: 'why',
      completedAt: t + 3,
      updatedAt: t + 3,
      lastSeq: 0,
    })
  })

  it('upserts whole step and iteration rows; deleteIterationsOf runs first', async () => {
    const lease = await held()
    const now = ctx.clock.now()
    await ctx.store.commit(
      lease,
      {
        steps: [stepRecord('a', { topic: 't', reason: 'r', wakeAt: 5, remainingMs: 3 }), stepRecord('b')],
        iterations: [iterationRecord('a', 0), iterationRecord('a', 1), iterationRecord('b', 0)],
      },
      now,
    )
    const a2 = stepRecord('a', { status: 'completed', attempts: 2, output: [1, 'x'], completedAt: now })
    await ctx.store.commit(
      lease,
      {
        steps: [a2],
        deleteIterationsOf: ['a'],
        iterations: [iterationRecord('a', 1, { status: 'pending', attempts: 0 })],
      },
      now,
    )

    const { steps, iterations } = await ctx.store.readSteps('e1')
    expect(steps).toEqual([a2, stepRecord('b')])
    expect(iterations).toEqual([iterationRecord('a', 1, { status: 'pending', attempts: 0 }), iterationRecord('b', 0)])
  })

  it('keeps the last of two rows for one step in one commit', async () => {
    const lease = await held()
    await ctx.store.commit(
      lease,
      {
        steps: [stepRecord('a'), stepRecord('a', { status: 'completed' })],
        iterations: [iterationRecord('a', 0), iterationRecord('a', 0, { status: 'failed' })],
      },
      ctx.clock.now(),
    )
    const { steps, iterations } = await ctx.store.readSteps('e1')
    expect(steps.map((s) => s.status)).toEqual(['completed'])
    expect(iterations.map((i) => i.status)).toEqual(['failed'])
  })

  it('clears only the operator requests it names', async () => {
    const lease = await held()
    const t = ctx.clock.now()
    await ctx.store.request('e1', 'pause', 'lunch', t)
    await ctx.store.request('e1', 'cancel', null, t + 1)
    await ctx.store.commit(lease, { clearRequests: ['pause'] }, t + 2)
    expect((await ctx.store.findExecution('e1'))?.requests).toEqual({ cancel: { reason: null, at: t + 1 } })
  })

  it('writes nothing when a value is not JSON', async () => {
    const lease = await held()
    const now = ctx.clock.now()
    await expect(
      ctx.store.commit(
        lease,
        {
          execution: { status: 'running' },
          steps: [stepRecord('a')],
          events: [stepStarted('a'), stepCompleted('a', { n: 10n })],
        },
        now,
      ),
    ).rejects.toThrow(/not JSON/)
    await expectUntouched('e1')
  })

  it('writes nothing when the commit fails midway (a signal that is not waiting)', async () => {
    const lease = await held()
    const now = ctx.clock.now()
    await ctx.store.appendSignal('e1', 'go', 1, now)
    const [signal] = (await ctx.store.loadExecution('e1'))!.signals
    await ctx.store.commit(lease, { consumeSignals: [{ id: signal!.id, step: 'w' }] }, now)
    const before = await ctx.store.findExecution('e1')

    // The steps, iterations and the execution row are written before the signal is found already taken.
    await expect(
      ctx.store.commit(
        lease,
        {
          execution: { status: 'completed', completedAt: now },
          steps: [stepRecord('a')],
          iterations: [iterationRecord('a', 0)],
          consumeSignals: [{ id: signal!.id, step: 'other' }],
          events: [stepStarted('a')],
        },
        now + 1,
      ),
    ).rejects.toThrow(/not waiting to be taken/)
    expect(await ctx.store.findExecution('e1')).toEqual(before)
    expect(await ctx.store.readSteps('e1')).toEqual({ steps: [], iterations: [] })
    expect(seqs(await ctx.store.readEvents('e1', 0, 100))).toEqual([1])
  })

  it('rejects a write under a lease another holder has taken over, writing nothing', async () => {
    const stale = await held()
    ctx.clock.set(stale.expiresAt)
    const fresh = await ctx.store.acquire('e1', holder('b'), ctx.clock.now(), 1_000)
    expect(fresh!.token).toBeGreaterThan(stale.token)

    await expect(
      ctx.store.commit(
        stale,
        { execution: { status: 'running' }, steps: [stepRecord('a')], events: [stepStarted('a')] },
        ctx.clock.now(),
      ),
    ).rejects.toThrow(LeaseLostError)
    await expectUntouched('e1')
  })

  it('rejects a write by the same holder under an older token, and after release', async () => {
    const first = await held()
    const second = (await ctx.store.acquire('e1', holder('h'), ctx.clock.now(), 1_000))!
    await expect(ctx.store.commit(first, { events: [stepStarted('a')] }, ctx.clock.now())).rejects.toThrow(
      LeaseLostError,
    )
    await ctx.store.release(second)
    await expect(ctx.store.commit(second, { events: [stepStarted('a')] }, ctx.clock.now())).rejects.toThrow(
      LeaseLostError,
    )
    expect(await ctx.store.readEvents('e1', 0, 100)).toEqual([])
  })

  it('accepts a write under an expired lease that nobody took', async () => {
    const lease = await held()
    const events = await ctx.store.commit(lease, { events: [stepStarted('a')] }, lease.expiresAt + 60_000)
    expect(seqs(events)).toEqual([1])
  })

  it('throws LeaseLostError, not a crash, for a lease on an execution that does not exist', async () => {
    const lease = { executionId: 'nope', holderId: 'h', token: 1, expiresAt: ctx.clock.now() + 1_000 }
    await expect(ctx.store.commit(lease, { events: [stepStarted('a')] }, ctx.clock.now())).rejects.toThrow(
      LeaseLostError,
    )
  })

  /** The execution is as `held()` left it: pending, no steps, no events. */
  async function expectUntouched(id: string): Promise<void> {
    const execution = await ctx.store.findExecution(id)
    expect(execution).toMatchObject({ status: 'pending', lastSeq: 0, updatedAt: execution!.createdAt })
    expect(await ctx.store.readSteps(id)).toEqual({ steps: [], iterations: [] })
    expect(await ctx.store.readEvents(id, 0, 100)).toEqual([])
  }
}
