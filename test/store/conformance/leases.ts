import { expect, it } from 'vitest'
import { ExecutionNotFoundError } from '../../../src/store/index.js'
import { holder, newExecution, patchExecution } from '../../support/store-fixtures.js'
import type { ConformanceContext } from './context.js'

export function leaseTests(ctx: ConformanceContext): void {
  const create = (id: string, createdAt = ctx.clock.now()): Promise<unknown> =>
    ctx.store.createExecution(newExecution(id, createdAt))
  const holderOf = async (id: string): Promise<string | null> => (await ctx.store.findExecution(id))?.holder?.id ?? null

  it('acquire takes an unheld execution: holder recorded, token 1, lease until now + leaseMs', async () => {
    await create('e1')
    const now = ctx.clock.now()
    const lease = await ctx.store.acquire('e1', holder('a', 42), now, 1_000)

    expect(lease).toEqual({ executionId: 'e1', holderId: 'a', token: 1, expiresAt: now + 1_000 })
    expect((await ctx.store.findExecution('e1'))?.holder).toEqual({
      id: 'a',
      host: 'test-host',
      pid: 42,
      token: 1,
      expiresAt: now + 1_000,
    })
  })

  it('acquire throws ExecutionNotFoundError for an unknown id', async () => {
    await expect(ctx.store.acquire('nope', holder('a'), ctx.clock.now(), 1_000)).rejects.toThrow(ExecutionNotFoundError)
  })

  it('acquire refuses while another holder is live, and takes it once the lease has expired', async () => {
    await create('e1')
    const now = ctx.clock.now()
    const first = await ctx.store.acquire('e1', holder('a'), now, 1_000)

    expect(await ctx.store.acquire('e1', holder('b'), now + 999, 1_000)).toBeUndefined()
    expect(await holderOf('e1')).toBe('a')
    const second = await ctx.store.acquire('e1', holder('b'), now + 1_000, 1_000) // expiresAt <= now: expired
    expect(second?.holderId).toBe('b')
    expect(second!.token).toBeGreaterThan(first!.token)
  })

  it('acquire takes over a live holder that isGone says is gone, and asks about that holder', async () => {
    await create('e1')
    const now = ctx.clock.now()
    await ctx.store.acquire('e1', { id: 'a', host: 'box-1', pid: 7 }, now, 60_000)
    const asked: { host: string; pid: number }[] = []

    expect(await ctx.store.acquire('e1', holder('b'), now, 1_000, (h) => (asked.push(h), false))).toBeUndefined()
    const lease = await ctx.store.acquire('e1', holder('b'), now, 1_000, (h) => h.host === 'box-1' && h.pid === 7)
    expect(asked).toEqual([{ host: 'box-1', pid: 7 }])
    expect(lease).toMatchObject({ holderId: 'b', token: 2 })
  })

  it('acquire by the holder itself succeeds with a new token', async () => {
    await create('e1')
    const first = await ctx.store.acquire('e1', holder('a'), ctx.clock.now(), 1_000)
    const again = await ctx.store.acquire('e1', holder('a'), ctx.clock.now(), 5_000)
    expect(again).toMatchObject({ holderId: 'a', token: first!.token + 1, expiresAt: ctx.clock.now() + 5_000 })
  })

  it('release clears the holder if the lease is current; tokens never go back', async () => {
    await create('e1')
    const now = ctx.clock.now()
    const first = (await ctx.store.acquire('e1', holder('a'), now, 1_000))!
    await ctx.store.release(first)
    expect((await ctx.store.findExecution('e1'))?.holder).toBeNull()

    const second = (await ctx.store.acquire('e1', holder('b'), now, 1_000))!
    expect(second.token).toBe(first.token + 1)
    await ctx.store.release(first) // stale: ignored
    expect(await holderOf('e1')).toBe('b')
  })

  it('renewAll extends every lease the holder still has and names them', async () => {
    const t = ctx.clock.now()
    for (const id of ['a', 'b', 'c', 'd']) await create(id)
    await ctx.store.acquire('a', holder('w'), t, 1_000)
    await ctx.store.acquire('b', holder('w'), t, 1_000)
    await ctx.store.acquire('c', holder('w'), t, 1_000)
    await ctx.store.acquire('d', holder('other'), t, 1_000)
    await ctx.store.acquire('c', holder('thief'), t + 1_000, 1_000) // expired, taken over

    expect(await ctx.store.renewAll('w', t + 1_500, 1_000)).toEqual(new Set(['a', 'b']))
    expect((await ctx.store.findExecution('a'))?.holder?.expiresAt).toBe(t + 2_500)
    // Renewed, so still live when the old lease would have expired.
    expect(await ctx.store.acquire('a', holder('thief'), t + 2_000, 1_000)).toBeUndefined()
    expect((await ctx.store.findExecution('d'))?.holder?.expiresAt).toBe(t + 1_000)
    expect(await ctx.store.renewAll('nobody', t, 1_000)).toEqual(new Set())
  })

  it('readInboxes gives the inbox of each execution the holder has', async () => {
    const t = ctx.clock.now()
    for (const id of ['a', 'b', 'c']) await create(id)
    await ctx.store.acquire('a', holder('w'), t, 1_000)
    await ctx.store.acquire('b', holder('w'), t, 1_000)
    await ctx.store.acquire('c', holder('other'), t, 1_000)
    await ctx.store.appendSignal('a', 'x', 1, t)
    await ctx.store.appendSignal('a', 'x', 2, t)
    await ctx.store.request('c', 'pause', null, t)

    expect(await ctx.store.readInboxes('w')).toEqual(
      new Map([
        ['a', 2],
        ['b', 0],
      ]),
    )
  })

  it('nextUnheldWakeAt is the earliest wakeAt of non-terminal executions without a live holder', async () => {
    const t = ctx.clock.now()
    expect(await ctx.store.nextUnheldWakeAt(t)).toBeNull()
    await create('held')
    await patchExecution(ctx.store, 'held', { status: 'suspended', wakeAt: t + 10 }, t)
    await ctx.store.acquire('held', holder('w'), t, 1_000)
    await create('ended')
    await patchExecution(ctx.store, 'ended', { status: 'completed', completedAt: t, wakeAt: t + 20 }, t)
    await create('free')
    await patchExecution(ctx.store, 'free', { status: 'suspended', wakeAt: t + 300 }, t)
    await create('no-timer')

    expect(await ctx.store.nextUnheldWakeAt(t)).toBe(t + 300)
    expect(await ctx.store.nextUnheldWakeAt(t + 1_000)).toBe(t + 10) // the lease on "held" has expired
  })
}
