import { expect, it } from 'vitest'
import { holder, iterationRecord, newExecution, patchExecution, stepRecord } from '../../support/store-fixtures.js'
import { testWorkflow } from '../../support/workflow.js'
import type { ConformanceContext } from './context.js'

export function executionTests(ctx: ConformanceContext): void {
  it('migrate is idempotent', async () => {
    await ctx.store.migrate()
    await ctx.store.migrate()
    expect((await ctx.store.createExecution(newExecution('a', ctx.clock.now()))).created).toBe(true)
  })

  it('creates a pending execution with empty state, run 1 and nobody holding it', async () => {
    const now = ctx.clock.now()
    const workflow = testWorkflow({ a: { action: 'core.noop' } }, { name: 'orders' })
    const result = await ctx.store.createExecution({
      id: 'e1',
      workflow,
      inputs: { amount: 5, tags: ['a'] },
      createdAt: now,
      parentId: 'p',
      parentStep: 'child',
      parentIndex: 2,
    })

    expect(result.created).toBe(true)
    expect(result.execution).toEqual({
      id: 'e1',
      workflow: 'orders',
      definition: workflow,
      status: 'pending',
      inputs: { amount: 5, tags: ['a'] },
      vars: {},
      outputs: {},
      error: null,
      createdAt: now,
      startedAt: null,
      completedAt: null,
      updatedAt: now,
      parentId: 'p',
      parentStep: 'child',
      parentIndex: 2,
      run: 1,
      lastSeq: 0,
      deadlineAt: null,
      timeoutRemainingMs: null,
      wakeAt: null,
      pausedReason: null,
      requests: {},
      inbox: 0,
      seenInbox: 0,
      holder: null,
    })
    expect(await ctx.store.findExecution('e1')).toEqual(result.execution)
  })

  it('returns the existing execution, unchanged, when the id is taken', async () => {
    const first = await ctx.store.createExecution(newExecution('e1', ctx.clock.now(), { inputs: { n: 1 } }))
    const again = await ctx.store.createExecution(newExecution('e1', ctx.clock.now() + 5, { inputs: { n: 2 } }))

    expect(again).toEqual({ created: false, execution: first.execution })
    expect(await ctx.store.listExecutions({})).toHaveLength(1)
  })

  it('creates an execution held by the creator, with a lease it can commit under, when asked to', async () => {
    const now = ctx.clock.now()
    const h = holder('creator')
    const result = await ctx.store.createExecution(newExecution('e1', now, { holder: { identity: h, leaseMs: 5_000 } }))
    if (!result.created) throw new Error('expected a new execution')
    expect(result.lease).toEqual({ executionId: 'e1', holderId: 'creator', token: 1, expiresAt: now + 5_000 })
    expect(result.execution.holder).toEqual({
      id: 'creator',
      host: h.host,
      pid: h.pid,
      token: 1,
      expiresAt: now + 5_000,
    })
    expect(await ctx.store.findExecution('e1')).toEqual(result.execution)
    // Another holder cannot take it while the lease runs; the creator commits under its lease.
    expect(await ctx.store.acquire('e1', holder('other'), now + 1, 1_000)).toBeUndefined()
    await ctx.store.commit(result.lease!, { steps: [stepRecord('a')] }, now + 1)
    expect((await ctx.store.readSteps('e1')).steps.map((s) => s.name)).toEqual(['a'])
    // An id that exists gives no lease, and its holder stays.
    const again = await ctx.store.createExecution(
      newExecution('e1', now, { holder: { identity: holder('late'), leaseMs: 5_000 } }),
    )
    expect(again.created).toBe(false)
    expect('lease' in again).toBe(false)
    expect(again.execution.holder?.id).toBe('creator')
  })

  it('reads an execution with its steps and iterations in one call, the same as the separate reads', async () => {
    await ctx.store.createExecution(newExecution('e1', ctx.clock.now()))
    expect(await ctx.store.readExecution('e1')).toEqual({
      execution: await ctx.store.findExecution('e1'),
      steps: [],
      iterations: [],
    })
    const lease = (await ctx.store.acquire('e1', holder('h'), ctx.clock.now(), 1_000))!
    const steps = [
      stepRecord('b', { output: { big: 'x'.repeat(5_000), n: 2 ** 40 }, items: [1, 'two', null], failures: 2 }),
      stepRecord('a', { status: 'failed', error: { code: 'E', message: 'm' }, startedAt: 5, completedAt: 9 }),
    ]
    const iterations = [iterationRecord('b', 1, { output: [1, { x: 'y' }] }), iterationRecord('b', 0)]
    await ctx.store.commit(lease, { execution: { status: 'running' }, steps, iterations }, ctx.clock.now())
    const { steps: readSteps, iterations: readIterations } = await ctx.store.readSteps('e1')
    expect(await ctx.store.readExecution('e1')).toEqual({
      execution: await ctx.store.findExecution('e1'),
      steps: readSteps,
      iterations: readIterations,
    })
    expect(readSteps.map((s) => s.name)).toEqual(['a', 'b'])
    expect(await ctx.store.readExecution('nope')).toBeUndefined()
  })

  it('creates one execution when many create the same id at once', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, () => ctx.store.createExecution(newExecution('same', ctx.clock.now()))),
    )
    expect(results.filter((r) => r.created)).toHaveLength(1)
    expect(await ctx.store.listExecutions({})).toHaveLength(1)
  })

  it('finds nothing for an unknown id', async () => {
    expect(await ctx.store.findExecution('nope')).toBeUndefined()
    expect(await ctx.store.loadExecution('nope')).toBeUndefined()
    expect(await ctx.store.readSteps('nope')).toEqual({ steps: [], iterations: [] })
  })

  it('loads steps by name and iterations by step and index', async () => {
    await ctx.store.createExecution(newExecution('e1', ctx.clock.now()))
    const lease = (await ctx.store.acquire('e1', holder('h'), ctx.clock.now(), 1_000))!
    const b = stepRecord('b', { output: { big: 'x'.repeat(10_000) }, items: [1, 2, 3], failures: 2 })
    const a = stepRecord('a', { status: 'completed', error: { code: 'E', message: 'm' } })
    const iterations = [iterationRecord('b', 2), iterationRecord('b', 0), iterationRecord('a', 1)]
    await ctx.store.commit(lease, { steps: [b, a], iterations }, ctx.clock.now())

    const loaded = await ctx.store.loadExecution('e1')
    expect(loaded?.steps).toEqual([a, b])
    expect(loaded?.iterations.map((i) => [i.step, i.index])).toEqual([
      ['a', 1],
      ['b', 0],
      ['b', 2],
    ])
    expect(await ctx.store.readSteps('e1')).toEqual({ steps: loaded?.steps, iterations: loaded?.iterations })
  })

  it('stores a step without `failures` as 0 failures', async () => {
    await ctx.store.createExecution(newExecution('e1', ctx.clock.now()))
    const lease = (await ctx.store.acquire('e1', holder('h'), ctx.clock.now(), 1_000))!
    const { failures: _, ...withoutFailures } = stepRecord('a')
    await ctx.store.commit(lease, { steps: [withoutFailures] }, ctx.clock.now())
    expect((await ctx.store.readSteps('e1')).steps[0]?.failures).toBe(0)
  })

  it('lists newest first by (createdAt, id), with filters and a cursor', async () => {
    const t = ctx.clock.now()
    await ctx.store.createExecution(newExecution('a', t))
    await ctx.store.createExecution(newExecution('c', t + 1, { workflow: testWorkflow({}, { name: 'other' }) }))
    await ctx.store.createExecution(newExecution('b', t + 1))
    await ctx.store.createExecution(newExecution('d', t + 2, { parentId: 'a' }))
    await patchExecution(ctx.store, 'b', { status: 'running' }, t)

    const ids = async (filter: Parameters<typeof ctx.store.listExecutions>[0]): Promise<string[]> =>
      (await ctx.store.listExecutions(filter)).map((s) => s.id)
    expect(await ids({})).toEqual(['d', 'c', 'b', 'a'])
    expect(await ids({ status: 'running' })).toEqual(['b'])
    expect(await ids({ workflow: 'other' })).toEqual(['c'])
    expect(await ids({ parentId: 'a' })).toEqual(['d'])
    expect(await ids({ limit: 2 })).toEqual(['d', 'c'])
    expect(await ids({ before: { createdAt: t + 1, id: 'c' } })).toEqual(['b', 'a'])
    expect(await ids({ before: { createdAt: t + 1, id: 'b' }, limit: 1 })).toEqual(['a'])

    const [summary] = await ctx.store.listExecutions({ status: 'running' })
    expect(summary).toEqual({
      id: 'b',
      workflow: 'wf',
      status: 'running',
      createdAt: t + 1,
      startedAt: null,
      completedAt: null,
      parentId: null,
    })
  })

  it('lists the executions whose id starts with a prefix, with the other filters and the cursor', async () => {
    const t = ctx.clock.now()
    const made = ['ord-1', 'ord-10', 'ord-2', 'Ord-3', 'ord', 'or', 'ord_x', 'ord%y', 'ordz', 'orc-1', 'ord-\u00e9']
    for (const [i, id] of made.entries()) await ctx.store.createExecution(newExecution(id, t + i))
    await patchExecution(ctx.store, 'ord-10', { status: 'running' }, t)

    const ids = async (filter: Parameters<typeof ctx.store.listExecutions>[0]): Promise<string[]> =>
      (await ctx.store.listExecutions(filter)).map((s) => s.id)
    expect(await ids({ idPrefix: 'ord-' })).toEqual(['ord-\u00e9', 'ord-2', 'ord-10', 'ord-1'])
    // Case-sensitive, and `_` and `%` are plain characters (no LIKE wildcards).
    expect(await ids({ idPrefix: 'ord' })).toEqual([
      'ord-\u00e9',
      'ordz',
      'ord%y',
      'ord_x',
      'ord',
      'ord-2',
      'ord-10',
      'ord-1',
    ])
    expect(await ids({ idPrefix: 'ord_' })).toEqual(['ord_x'])
    expect(await ids({ idPrefix: 'ord%' })).toEqual(['ord%y'])
    expect(await ids({ idPrefix: 'Ord' })).toEqual(['Ord-3'])
    expect(await ids({ idPrefix: 'ord-1' })).toEqual(['ord-10', 'ord-1'])
    expect(await ids({ idPrefix: 'ord-1', status: 'running' })).toEqual(['ord-10'])
    expect(await ids({ idPrefix: 'ord-\u00e9' })).toEqual(['ord-\u00e9'])
    expect(await ids({ idPrefix: 'ord-\u00e9x' })).toEqual([])
    expect(await ids({ idPrefix: 'x' })).toEqual([])
    expect(await ids({ idPrefix: 'ord-', limit: 2 })).toEqual(['ord-\u00e9', 'ord-2'])
    expect(await ids({ idPrefix: 'ord-', before: { createdAt: t + 2, id: 'ord-2' } })).toEqual(['ord-10', 'ord-1'])
  })

  it('lists 50 by default and pages through everything with the cursor, each once', async () => {
    const t = ctx.clock.now()
    for (let i = 0; i < 120; i++)
      await ctx.store.createExecution(newExecution(`e${String(i).padStart(3, '0')}`, t + (i % 7)))

    const first = await ctx.store.listExecutions({})
    expect(first).toHaveLength(50)
    const seen: string[] = []
    let page = await ctx.store.listExecutions({ limit: 17 })
    while (page.length > 0) {
      seen.push(...page.map((s) => s.id))
      const last = page.at(-1)!
      page = await ctx.store.listExecutions({ limit: 17, before: { createdAt: last.createdAt, id: last.id } })
    }
    expect(seen).toHaveLength(120)
    expect(new Set(seen).size).toBe(120)
    expect(seen.slice(0, 50)).toEqual(first.map((s) => s.id))
  })

  it('lists the children of an execution in the order they were created', async () => {
    const t = ctx.clock.now()
    await ctx.store.createExecution(newExecution('parent', t))
    await ctx.store.createExecution(
      newExecution('child-2', t + 2, { parentId: 'parent', parentStep: 's', parentIndex: 1 }),
    )
    await ctx.store.createExecution(
      newExecution('child-1', t + 1, { parentId: 'parent', parentStep: 's', parentIndex: 0 }),
    )
    await ctx.store.createExecution(newExecution('grandchild', t + 3, { parentId: 'child-1' }))

    expect((await ctx.store.listChildren('parent')).map((s) => s.id)).toEqual(['child-1', 'child-2'])
    expect(await ctx.store.listChildren('grandchild')).toEqual([])
  })
}
