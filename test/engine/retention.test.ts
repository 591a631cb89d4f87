import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { createActionRegistry } from '../../src/actions/index.js'
import { Engine } from '../../src/engine/index.js'
import { createTestEngine, FakeClock, type TestEngine } from '../../src/testing/index.js'
import { tempDbFile } from '../support/temp.js'
import { testWorkflow } from '../support/workflow.js'

/**
 * Retention (execution-model.md guarantee 9): the engine option that deletes ended executions periodically, what a
 * deletion takes with it (children, signals, events, steps, iterations), and the clock-skew rule. All on fake clocks.
 */
const HOUR = 3_600_000
const DAY = 24 * HOUR
const YEAR = 365 * DAY

let open: TestEngine[] = []
afterEach(async () => {
  await Promise.all(open.map((t) => t.close()))
  open = []
})

/** A test engine on `path` whose Engine has the retention option (createTestEngine has no such option). */
async function withRetention(
  path: string,
  clock: FakeClock,
  retention: { olderThanMs: number; everyMs?: number },
): Promise<TestEngine & { gcPasses: () => number }> {
  const t = await createTestEngine({ path, clock })
  open.push(t)
  let passes = 0
  const store = t.engine.store
  const deleteEndedBefore = store.deleteEndedBefore.bind(store)
  store.deleteEndedBefore = (cutoff) => {
    passes++
    return deleteEndedBefore(cutoff)
  }
  // A long lease: days of fake time then hold a few heartbeats of an execution it holds, not thousands.
  const engine = new Engine({ store, clock, retention, random: () => 0.5, leaseMs: DAY })
  const extra: TestEngine = { ...t, engine, close: () => engine.close() }
  open.unshift(extra) // closed before the store
  return Object.assign(extra, { gcPasses: () => passes })
}

/** Rows each table still holds for these executions. */
function leftovers(path: string, ids: readonly string[]): Record<string, number> {
  const db = new Database(path, { readonly: true })
  try {
    const marks = ids.map(() => '?').join(', ')
    const count = (table: string, column: string): number =>
      (db.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${column} IN (${marks})`).get(...ids) as { n: number }).n
    return {
      executions: count('executions', 'id'),
      steps: count('steps', 'execution_id'),
      iterations: count('iterations', 'execution_id'),
      events: count('events', 'execution_id'),
      signals: count('signals', 'execution_id'),
    }
  } finally {
    db.close()
  }
}

describe('the retention option', () => {
  it('deletes, every everyMs, the executions that ended more than olderThanMs ago', async () => {
    const clock = new FakeClock()
    const start = clock.now()
    const r = await withRetention(tempDbFile(), clock, { olderThanMs: 7 * DAY, everyMs: HOUR })
    const done = await r.engine.run(testWorkflow({ a: {} }))
    const waiting = await r.engine.start(testWorkflow({ w: { wait: { signal: 'never' } } }))
    await clock.advance(0)
    expect(r.gcPasses(), 'the first pass runs at once').toBe(1)

    await clock.advance(7 * DAY)
    expect(r.gcPasses()).toBe(1 + 7 * 24)
    expect(await r.engine.find(done.id), 'ended exactly 7 days ago: kept').toBeDefined()
    await clock.advance(HOUR)
    expect(clock.now() - start).toBe(7 * DAY + HOUR)
    expect(await r.engine.find(done.id), 'deleted by the first pass after 7 days').toBeUndefined()
    expect(await r.engine.find(waiting.id), 'an execution that has not ended is never deleted').toBeDefined()
  })

  it('stops with the engine', async () => {
    const clock = new FakeClock()
    const r = await withRetention(tempDbFile(), clock, { olderThanMs: DAY, everyMs: HOUR })
    await clock.advance(2 * HOUR)
    expect(r.gcPasses()).toBe(3)
    await r.close()
    await clock.advance(10 * HOUR)
    expect(r.gcPasses()).toBe(3)
    expect(clock.pendingTimers).toBe(0)
  })

  it('refuses a bad period or age', async () => {
    const t = await createTestEngine()
    open.push(t)
    expect(() => new Engine({ store: t.engine.store, retention: { olderThanMs: -1 } })).toThrow(/olderThanMs/)
    expect(() => new Engine({ store: t.engine.store, retention: { olderThanMs: DAY, everyMs: 0 } })).toThrow(/everyMs/)
  })
})

describe('what a deletion takes with it', () => {
  it('a parent goes with its children and with every signal, event, step and iteration of both', async () => {
    const clock = new FakeClock()
    const path = tempDbFile()
    const t = await createTestEngine({ path, clock })
    open.push(t)
    t.engine.register(
      testWorkflow(
        {
          each: { for_each: '{{ [1, 2] }}', action: 'core.echo', with: { value: '{{ item }}' } },
          w: { needs: ['each'], wait: { signal: 'go' } },
        },
        { name: 'child' },
      ),
    )
    const parent = await t.engine.start(
      testWorkflow({ call: { workflow: 'child' }, w: { wait: { signal: 'ok' } } }, { name: 'parent' }),
    )
    await t.until((e) => e.type === 'execution.suspended' && e.execution_id !== parent.id)
    const [child] = await t.engine.list({ parentId: parent.id })
    await t.engine.signal(parent.id, 'unread', 'nobody waits for this one')
    await t.engine.signal(parent.id, 'ok')
    await t.engine.signal(child!.id, 'go')
    await expect(parent.result()).resolves.toMatchObject({ status: 'completed' })
    const ids = [parent.id, child!.id]
    expect(leftovers(path, ids)).toEqual({
      executions: 2,
      steps: 4,
      iterations: 2,
      events: expect.any(Number),
      signals: 3,
    })

    await clock.advance(2 * DAY)
    expect(await t.engine.gc(clock.now() - DAY)).toBe(2)
    expect(leftovers(path, ids)).toEqual({ executions: 0, steps: 0, iterations: 0, events: 0, signals: 0 })
  })

  it('a child that ended long ago is kept while its parent has not ended', async () => {
    const clock = new FakeClock()
    const t = await createTestEngine({ clock, leaseMs: 30 * DAY })
    open.push(t)
    t.engine.register(testWorkflow({ a: {} }, { name: 'quick-child' }))
    const parent = await t.engine.start(
      testWorkflow({ call: { workflow: 'quick-child' }, w: { needs: ['call'], wait: { signal: 'never' } } }),
    )
    await t.until('execution.suspended')
    const [child] = await t.engine.list({ parentId: parent.id })
    expect(child?.status).toBe('completed')
    await clock.advance(90 * DAY)
    expect(await t.engine.gc(clock.now() - DAY)).toBe(0)
    expect(await t.engine.find(child!.id)).toBeDefined()
  })
})

describe('clock skew (guarantee 9)', () => {
  it('a completed_at in the future is deleted one TTL after the gc that saw it, not never', async () => {
    const path = tempDbFile()
    const clock = new FakeClock()
    const now = clock.now()
    // Another process whose clock runs a year ahead writes the execution.
    const ahead = await createTestEngine({ path, clock: new FakeClock(now + YEAR), actions: createActionRegistry() })
    open.push(ahead)
    const skewed = await ahead.engine.run(testWorkflow({ a: {} }))
    expect((await ahead.engine.store.findExecution(skewed.id))?.completedAt).toBe(now + YEAR)

    const r = await withRetention(path, clock, { olderThanMs: DAY, everyMs: HOUR })
    await clock.advance(0) // the first pass, at `now`
    expect((await r.engine.store.findExecution(skewed.id))?.completedAt, 'clamped to the pass time').toBe(now)
    await clock.advance(DAY)
    expect(await r.engine.find(skewed.id), 'one TTL has not passed yet (cutoff is exclusive)').toBeDefined()
    await clock.advance(HOUR)
    expect(await r.engine.find(skewed.id), 'deleted by the first pass after one TTL').toBeUndefined()
  })
})
