import { expect, it } from 'vitest'
import type { ClaimedAttempt, NewAttempt, UnheldDecision } from '../../../src/store/index.js'
import {
  createWithAttempts,
  holder,
  newAttempt,
  newExecution,
  stepCompleted,
  stepRecord,
  stepStarted,
} from '../../support/store-fixtures.js'
import type { ConformanceContext } from './context.js'

/** Attempts handed to workers: decideUnheld, claimAttempts, renewAttempts, releaseAttempts, findDue (issue 5). */
export function attemptTests(ctx: ConformanceContext): void {
  const attempt = newAttempt
  /** Starts the given attempts on a fresh pending execution; with `take`, that holder claims up to `limit`. */
  const startOn = (id: string, attempts: NewAttempt[], take?: { id: string; limit: number }) =>
    createWithAttempts(
      ctx.store,
      id,
      attempts,
      ctx.clock.now(),
      take === undefined ? undefined : { holder: take.id, limit: take.limit },
    )

  it('decideUnheld commits the decision with its events, stores the attempts and hands `take` of them over', async () => {
    const result = await startOn('e1', [attempt('a'), attempt('b'), attempt('c')], { id: 'w1', limit: 2 })
    expect(result.events.map((e) => [e.seq, e.type, e.step])).toEqual([
      [1, 'step.started', 'a'],
      [2, 'step.started', 'b'],
      [3, 'step.started', 'c'],
    ])
    expect(result.added).toBe(3)
    expect(result.taken.map((a) => [a.step, a.holderId, a.token])).toEqual([
      ['a', 'w1', 1],
      ['b', 'w1', 1],
    ])
    expect(result.taken[0]).toMatchObject({ executionId: 'e1', input: { value: 'a' }, kind: 'action' })
    expect((await ctx.store.findExecution('e1'))?.status).toBe('running')
    expect(await ctx.store.countReadyAttempts()).toBe(1)
  })

  it('decideUnheld gives decide the committed state and version, and the attempt rows', async () => {
    await startOn('e1', [attempt('a')])
    const seen: { version: number; steps: string[]; attempts: string[] }[] = []
    const result = await ctx.store.decideUnheld({
      executionId: 'e1',
      now: ctx.clock.now(),
      decide: async (context) => {
        const { loaded, attempts } = await context.load()
        seen.push({
          version: context.version,
          steps: loaded.steps.map((s) => `${s.name}:${s.status}`),
          attempts: attempts.map((a) => `${a.step}:${a.holderId ?? 'none'}`),
        })
        return null
      },
    })
    expect(seen).toEqual([{ version: 1, steps: ['a:running'], attempts: ['a:none'] }])
    expect(result).toMatchObject({ outcome: 'decided', events: [], version: 1 })
  })

  it('claimAttempts takes unclaimed attempts oldest first, each once, with a lease', async () => {
    await startOn('e1', [attempt('a')])
    ctx.clock.set(ctx.clock.now() + 5)
    await startOn('e2', [attempt('b'), attempt('c')])
    const now = ctx.clock.now()
    const first = await ctx.store.claimAttempts(holder('w1'), 2, now, 1_000)
    const second = await ctx.store.claimAttempts(holder('w2'), 5, now, 1_000)
    expect(first.map((a) => `${a.executionId}/${a.step}`)).toEqual(['e1/a', expect.stringMatching(/^e2\/[bc]$/)])
    expect(second).toHaveLength(1)
    expect(first.every((a) => a.holderId === 'w1' && a.expiresAt === now + 1_000 && a.token === 1)).toBe(true)
    expect(await ctx.store.claimAttempts(holder('w3'), 5, now, 1_000)).toEqual([])
  })

  it('claimAttempts skips attempts of an execution a live process holds', async () => {
    await startOn('e1', [attempt('a')])
    const lease = await ctx.store.acquire('e1', holder('p'), ctx.clock.now(), 60_000)
    // acquire dropped the unclaimed attempt: the new holder starts it itself.
    expect(lease).toBeDefined()
    expect(await ctx.store.claimAttempts(holder('w1'), 5, ctx.clock.now(), 1_000)).toEqual([])
  })

  it('acquire refuses an execution whose attempts a live worker holds, and takes it once their leases ran out', async () => {
    await startOn('e1', [attempt('a')], { id: 'w1', limit: 1 })
    const now = ctx.clock.now()
    expect(await ctx.store.acquire('e1', holder('p'), now + 999, 60_000)).toBeUndefined()
    const lease = await ctx.store.acquire('e1', holder('p'), now + 1_000, 60_000)
    expect(lease?.holderId).toBe('p')
    expect(await ctx.store.renewAttempts('w1', now + 1_000, 1_000)).toEqual([])
  })

  it('the end of an attempt is refused with lease-lost unless its lease is current', async () => {
    const { taken } = await startOn('e1', [attempt('a')], { id: 'w1', limit: 1 })
    const mine = taken[0]!
    const stale: ClaimedAttempt = { ...mine, token: mine.token + 1 }
    const decide = async (): Promise<UnheldDecision> => ({
      changes: { steps: [stepRecord('a', { status: 'completed' })] },
      addAttempts: [],
      removeAttempts: [],
    })
    const refused = await ctx.store.decideUnheld({ executionId: 'e1', now: ctx.clock.now(), ended: stale, decide })
    expect(refused).toEqual({ outcome: 'lease-lost' })
    expect((await ctx.store.readSteps('e1')).steps[0]?.status).toBe('running')

    const accepted = await ctx.store.decideUnheld({ executionId: 'e1', now: ctx.clock.now(), ended: mine, decide })
    expect(accepted.outcome).toBe('decided')
    expect((await ctx.store.readSteps('e1')).steps[0]?.status).toBe('completed')
    expect(await ctx.store.renewAttempts('w1', ctx.clock.now(), 1_000)).toEqual([])
    const again = await ctx.store.decideUnheld({ executionId: 'e1', now: ctx.clock.now(), ended: mine, decide })
    expect(again).toEqual({ outcome: 'lease-lost' })
  })

  it('renewAttempts extends the holder’s leases and leaves out attempts it lost', async () => {
    const { taken } = await startOn('e1', [attempt('a'), attempt('b')], { id: 'w1', limit: 2 })
    const now = ctx.clock.now()
    // b is aborted by a decision (a cancel): its row goes.
    await ctx.store.decideUnheld({
      executionId: 'e1',
      now,
      decide: async () => ({ changes: {}, addAttempts: [], removeAttempts: [{ step: 'b', index: null }] }),
    })
    const renewed = await ctx.store.renewAttempts('w1', now + 500, 1_000)
    expect(renewed.map((a) => [a.step, a.token, a.expiresAt])).toEqual([['a', taken[0]!.token, now + 1_500]])
  })

  it('decideUnheld answers `held` while a live process holds the execution, and clears an expired holder', async () => {
    await ctx.store.createExecution(newExecution('e1', ctx.clock.now()))
    const now = ctx.clock.now()
    await ctx.store.acquire('e1', holder('p'), now, 1_000)
    const calls: number[] = []
    const decide = async (): Promise<null> => (calls.push(1), null)
    expect(await ctx.store.decideUnheld({ executionId: 'e1', now: now + 999, decide })).toEqual({ outcome: 'held' })
    expect(calls).toEqual([])
    expect((await ctx.store.decideUnheld({ executionId: 'e1', now: now + 1_000, decide })).outcome).toBe('decided')
    expect((await ctx.store.findExecution('e1'))?.holder).toBeNull()
    expect(await ctx.store.decideUnheld({ executionId: 'nope', now, decide })).toEqual({ outcome: 'not-found' })
  })

  it('findDue names new executions, expired holders and attempts, due timers and news; not quiet ones', async () => {
    const now = ctx.clock.now()
    await ctx.store.createExecution(newExecution('new', now))
    await startOn('quiet', [attempt('a')], { id: 'w1', limit: 1 })
    await startOn('lost', [attempt('a')], { id: 'w2', limit: 1 })
    await ctx.store.renewAttempts('w1', now, 10_000)
    expect((await ctx.store.findDue({ now: now + 1_000, limit: 10 })).sort()).toEqual(['lost', 'new'])
    expect(await ctx.store.findDue({ now: now + 1_000, limit: 10, startNew: false })).toEqual(['lost'])
    expect(await ctx.store.nextAttemptExpiry('w1')).toBe(now + 1_000)
    expect(await ctx.store.findDue({ now, limit: 1 })).toEqual(['new'])
  })

  it('releaseAttempts ends the leases now, so the attempts are due at once', async () => {
    await startOn('e1', [attempt('a')], { id: 'w1', limit: 1 })
    const now = ctx.clock.now()
    expect(await ctx.store.findDue({ now, limit: 10 })).toEqual([])
    expect(await ctx.store.releaseAttempts('w1', now)).toBe(1)
    expect(await ctx.store.findDue({ now, limit: 10 })).toEqual(['e1'])
  })

  /** The decision after `ended`'s end: step completed, and (optionally) attempts started, with events. */
  const afterEnd = (ended: ClaimedAttempt, add: NewAttempt[] = []): UnheldDecision => ({
    changes: {
      steps: [stepRecord(ended.step, { status: 'completed' }), ...add.map((a) => stepRecord(a.step))],
      events: [stepCompleted(ended.step, 'done'), ...add.map((a) => stepStarted(a.step, a.attempt))],
    },
    addAttempts: add,
    removeAttempts: [],
  })

  it('decideUnheld on a state the caller holds (`expected`) writes the decision and hands the next attempt over', async () => {
    const start = await startOn('e1', [attempt('a')], { id: 'w1', limit: 1 })
    const ended = start.taken[0]!
    const contexts: number[] = []
    const result = await ctx.store.decideUnheld({
      executionId: 'e1',
      now: ctx.clock.now(),
      expected: { version: start.version, inbox: 0 },
      ended,
      take: { holder: holder('w1'), limit: 1, leaseMs: 1_000 },
      decide: async (context) => {
        contexts.push(context.version)
        return afterEnd(ended, [attempt('b')])
      },
    })
    expect(contexts).toEqual([start.version])
    expect(result).toMatchObject({ outcome: 'decided', added: 1, version: start.version + 1 })
    if (result.outcome !== 'decided') return
    expect(result.events.map((e) => [e.seq, e.type, e.step])).toEqual([
      [2, 'step.completed', 'a'],
      [3, 'step.started', 'b'],
    ])
    expect(result.taken.map((a) => [a.step, a.holderId, a.token])).toEqual([['b', 'w1', 1]])
    expect(await ctx.store.heldAttempts('w1')).toEqual(result.taken)
    expect((await ctx.store.readSteps('e1')).steps.map((s) => `${s.name}:${s.status}`)).toEqual([
      'a:completed',
      'b:running',
    ])
  })

  it('decideUnheld with a stale `expected` writes only a decision taken on the state committed now', async () => {
    const start = await startOn('e1', [attempt('a'), attempt('b')], { id: 'w1', limit: 2 })
    const [a, b] = start.taken as [ClaimedAttempt, ClaimedAttempt]
    // Another decision (b's end) commits after the caller's state was kept.
    await ctx.store.decideUnheld({ executionId: 'e1', now: ctx.clock.now(), ended: b, decide: async () => afterEnd(b) })
    const contexts: number[] = []
    const result = await ctx.store.decideUnheld({
      executionId: 'e1',
      now: ctx.clock.now(),
      expected: { version: start.version, inbox: 0 },
      ended: a,
      decide: async (context) => {
        contexts.push(context.version)
        return {
          changes: { events: [stepCompleted('a', { decidedOn: context.version })] },
          addAttempts: [],
          removeAttempts: [],
        }
      },
    })
    expect(result.outcome).toBe('decided')
    // Decided again on the committed state (version + 1); what was decided on the stale one is not written.
    expect(contexts.at(-1)).toBe(start.version + 1)
    const events = await ctx.store.readEvents('e1', 0, 10)
    expect(events.filter((e) => e.step === 'a' && e.type === 'step.completed').map((e) => e.data)).toEqual([
      { output: { decidedOn: start.version + 1 } },
    ])
  })

  it('decideUnheld with `expected` answers lease-lost for an attempt no longer its lease, and writes nothing', async () => {
    const start = await startOn('e1', [attempt('a')], { id: 'w1', limit: 1 })
    const ended = start.taken[0]!
    const result = await ctx.store.decideUnheld({
      executionId: 'e1',
      now: ctx.clock.now(),
      expected: { version: start.version, inbox: 0 },
      ended: { ...ended, token: ended.token + 1 },
      decide: async () => afterEnd(ended),
    })
    expect(result).toEqual({ outcome: 'lease-lost' })
    expect((await ctx.store.findExecution('e1'))?.lastSeq).toBe(1)
    expect(await ctx.store.heldAttempts('w1')).toEqual([ended])
  })

  it('decideUnheld with `expected` replaces the row of an attempt started again (a retry) instead of removing it', async () => {
    const start = await startOn('e1', [attempt('a')], { id: 'w1', limit: 1 })
    const ended = start.taken[0]!
    const result = await ctx.store.decideUnheld({
      executionId: 'e1',
      now: ctx.clock.now(),
      expected: { version: start.version, inbox: 0 },
      ended,
      decide: async () => ({
        changes: { steps: [stepRecord('a', { attempts: 2 })], events: [stepStarted('a', 2)] },
        addAttempts: [attempt('a', { attempt: 2 })],
        removeAttempts: [],
      }),
    })
    expect(result).toMatchObject({ outcome: 'decided', added: 1, taken: [] })
    const claimed = await ctx.store.claimAttempts(holder('w2'), 5, ctx.clock.now(), 1_000)
    expect(claimed.map((c) => [c.step, c.attempt, c.holderId])).toEqual([['a', 2, 'w2']])
  })

  it('two due decisions at once on a new execution start it once', async () => {
    await ctx.store.createExecution(newExecution('e1', ctx.clock.now()))
    const due = () =>
      ctx.store.decideUnheld({
        executionId: 'e1',
        now: ctx.clock.now(),
        skipLocked: true,
        onlyIfDue: true,
        decide: async (context) => {
          const { loaded } = await context.load()
          if (loaded.execution.status !== 'pending') return null
          return {
            changes: { execution: { status: 'running' }, events: [stepStarted('a')], steps: [stepRecord('a')] },
            addAttempts: [attempt('a')],
            removeAttempts: [],
          }
        },
      })
    const outcomes = await Promise.all([due(), due(), due()])
    expect(outcomes.some((o) => o.outcome === 'decided' && o.added === 1)).toBe(true)
    expect((await ctx.store.readEvents('e1', 0, 10)).map((e) => e.type)).toEqual(['step.started'])
    expect(await ctx.store.countReadyAttempts()).toBe(1)
  })

  it('heldAttempts lists the holder’s attempts without extending their leases', async () => {
    const start = await startOn('e1', [attempt('a'), attempt('b')], { id: 'w1', limit: 1 })
    await startOn('e2', [attempt('c')], { id: 'w2', limit: 1 })
    expect(await ctx.store.heldAttempts('w1')).toEqual(start.taken)
    expect((await ctx.store.heldAttempts('w1'))[0]?.expiresAt).toBe(start.taken[0]?.expiresAt)
    expect(await ctx.store.heldAttempts('nobody')).toEqual([])
  })
}
