import { expect, it } from 'vitest'
import { ExecutionNotFoundError, InvalidStateError } from '../../../src/store/index.js'
import { holder, newExecution, patchExecution, stepStarted } from '../../support/store-fixtures.js'
import type { ConformanceContext } from './context.js'

export function signalTests(ctx: ConformanceContext): void {
  const create = (id: string): Promise<unknown> => ctx.store.createExecution(newExecution(id, ctx.clock.now()))

  it('appendSignal stores the signal, appends signal.received with the next seq and bumps the inbox', async () => {
    await create('e1')
    const t = ctx.clock.now()
    const lease = (await ctx.store.acquire('e1', holder('h'), t, 1_000))!
    await ctx.store.commit(lease, { events: [stepStarted('a')] }, t)

    const event = await ctx.store.appendSignal('e1', 'approval', { by: 'ann' }, t + 5)
    expect(event).toEqual({
      seq: 2,
      type: 'signal.received',
      execution_id: 'e1',
      at: new Date(t + 5).toISOString(),
      step: null,
      attempt: null,
      index: null,
      data: { topic: 'approval', data: { by: 'ann' } },
    })
    expect(await ctx.store.readEvents('e1', 1, 10)).toEqual([event])
    const loaded = await ctx.store.loadExecution('e1')
    expect(loaded?.execution).toMatchObject({ inbox: 1, seenInbox: 0, lastSeq: 2, updatedAt: t + 5 })
    expect(loaded?.signals).toEqual([
      { id: expect.any(Number), topic: 'approval', data: { by: 'ann' }, createdAt: t + 5, consumedBy: null },
    ])
  })

  it('appendSignal stores undefined data as null', async () => {
    await create('e1')
    const event = await ctx.store.appendSignal('e1', 'ping', undefined, ctx.clock.now())
    expect(event.data).toEqual({ topic: 'ping', data: null })
    expect((await ctx.store.loadExecution('e1'))?.signals[0]?.data).toBeNull()
  })

  it('appendSignal to an unknown execution throws ExecutionNotFoundError', async () => {
    await expect(ctx.store.appendSignal('nope', 't', null, ctx.clock.now())).rejects.toThrow(ExecutionNotFoundError)
  })

  it.each(['completed', 'failed', 'cancelled'] as const)(
    'appendSignal to a %s execution throws InvalidStateError and stores nothing',
    async (status) => {
      await create('e1')
      await patchExecution(ctx.store, 'e1', { status, completedAt: ctx.clock.now() }, ctx.clock.now())
      const error = await ctx.store.appendSignal('e1', 't', null, ctx.clock.now()).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(InvalidStateError)
      expect(error).toMatchObject({
        executionId: 'e1',
        status,
        message: `Cannot signal execution e1: it is ${status}. Signals can only be sent to executions that have not ended.`,
      })
      expect(await ctx.store.loadExecution('e1')).toMatchObject({ execution: { inbox: 0, lastSeq: 0 }, signals: [] })
    },
  )

  it('loadExecution gives the untaken signals only, in the order they were sent', async () => {
    await create('e1')
    const t = ctx.clock.now()
    for (const [i, topic] of ['a', 'b', 'a', 'c', 'a'].entries()) await ctx.store.appendSignal('e1', topic, i, t + i)
    const sent = (await ctx.store.loadExecution('e1'))!.signals
    expect(sent.map((s) => s.data)).toEqual([0, 1, 2, 3, 4])
    expect(sent.map((s) => s.id)).toEqual([...sent.map((s) => s.id)].sort((x, y) => x - y))

    const lease = (await ctx.store.acquire('e1', holder('h'), t, 1_000))!
    await ctx.store.commit(
      lease,
      {
        consumeSignals: [
          { id: sent[0]!.id, step: 'w1' },
          { id: sent[3]!.id, step: 'w2' },
        ],
      },
      t + 10,
    )
    const left = (await ctx.store.loadExecution('e1'))!.signals
    expect(left.map((s) => [s.topic, s.data])).toEqual([
      ['b', 1],
      ['a', 2],
      ['a', 4],
    ])
  })

  it('signals of one execution do not show up in another', async () => {
    await create('e1')
    await create('e2')
    await ctx.store.appendSignal('e1', 't', 1, ctx.clock.now())
    expect((await ctx.store.loadExecution('e2'))?.signals).toEqual([])
  })

  it('request stores pause, cancel and resume with their time, bumps the inbox and returns the record', async () => {
    await create('e1')
    const t = ctx.clock.now()
    const paused = await ctx.store.request('e1', 'pause', 'maintenance', t)
    expect(paused).toMatchObject({ requests: { pause: { reason: 'maintenance', at: t } }, inbox: 1, updatedAt: t })
    await ctx.store.request('e1', 'cancel', null, t + 1)
    const resumed = await ctx.store.request('e1', 'resume', 'ignored', t + 2)

    expect(resumed.requests).toEqual({
      pause: { reason: 'maintenance', at: t },
      cancel: { reason: null, at: t + 1 },
      resume: { at: t + 2 },
    })
    expect(resumed.inbox).toBe(3)
    expect(await ctx.store.findExecution('e1')).toEqual(resumed)
  })

  it('request stores on ended executions too (the engine decides what it means)', async () => {
    await create('e1')
    await patchExecution(ctx.store, 'e1', { status: 'completed', completedAt: ctx.clock.now() }, ctx.clock.now())
    const record = await ctx.store.request('e1', 'cancel', null, ctx.clock.now())
    expect(record.requests.cancel).toEqual({ reason: null, at: ctx.clock.now() })
  })

  it('request to an unknown execution throws ExecutionNotFoundError', async () => {
    await expect(ctx.store.request('nope', 'pause', null, ctx.clock.now())).rejects.toThrow(ExecutionNotFoundError)
  })
}
