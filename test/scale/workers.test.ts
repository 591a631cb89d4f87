// Scale-out: real `trellis worker` processes sharing one PostgreSQL schema, claiming attempts (issue 5). Killed with
// SIGKILL, frozen with SIGSTOP past their lease, stopped with SIGTERM. The actions leave a mark per attempt that ran
// (test/fixtures/scale/actions.mjs): `<execution>/<step>[/<index>]:<attempt>:<pid>`.
import { readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeAll, expect, it } from 'vitest'
import { createEngine } from '../../src/create-engine.js'
import { loadWorkflowFile } from '../../src/definition/index.js'
import type { Engine } from '../../src/engine/index.js'
import type { TrellisEvent } from '../../src/events/index.js'
import { openStore } from '../../src/open-store.js'
import type { Store } from '../../src/store/index.js'
import { assertBuilt, ROOT, spawnTrellis, tempDir, waitFor, type Running } from '../cli/trellis.js'
import { describePostgres, PG_URL, schemaForCurrentTest } from '../support/postgres.js'

beforeAll(assertBuilt)

const SCALE = join(ROOT, 'test/fixtures/scale')
const ACTIONS = join(SCALE, 'actions.mjs')

interface Setup {
  readonly db: string
  readonly marks: string
  readonly store: Store
  readonly engine: Engine
  readonly workers: Running[]
  worker(args?: readonly string[]): Running
}

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function setup(): Promise<Setup> {
  const db = `${PG_URL}?schema=${schemaForCurrentTest()}`
  const dir = tempDir('trellis-scale-')
  cleanups.push(() => dir.cleanup())
  const store = await openStore(db, { createIfMissing: true })
  if (store === null) throw new Error('unreachable')
  const engine = await createEngine({ db: store })
  cleanups.push(async () => {
    await engine.close()
    await store.close()
  })
  const marks = join(dir.dir, 'marks')
  const workers: Running[] = []
  cleanups.push(async () => {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL')
    await Promise.allSettled(workers.map((w) => w.exited))
  })
  return {
    db,
    marks,
    store,
    engine,
    workers,
    worker(args = []) {
      const running = spawnTrellis(['worker', '--db', db, '--actions', ACTIONS, ...args], {
        env: { TRELLIS_MARKS: marks },
      })
      workers.push(running)
      return running
    },
  }
}

interface Mark {
  readonly key: string
  readonly execution: string
  readonly attempt: number
  readonly pid: number
}

function readMarks(file: string): Mark[] {
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [where, attempt, pid] = line.split(':') as [string, string, string]
      return { key: `${where}:${attempt}`, execution: where.split('/')[0]!, attempt: Number(attempt), pid: Number(pid) }
    })
}

async function allEvents(store: Store, id: string): Promise<TrellisEvent[]> {
  return store.readEvents(id, 0, 100_000)
}

/** Ids of executions not ended yet, among `ids`. */
async function unfinished(store: Store, ids: readonly string[]): Promise<string[]> {
  const left: string[] = []
  for (const id of ids) {
    const record = await store.findExecution(id)
    if (record === undefined || !['completed', 'failed', 'cancelled'].includes(record.status)) left.push(id)
  }
  return left
}

/** Every (step, index, attempt) has exactly one `step.started`; returns them as mark keys. */
function expectOneStartPerAttempt(events: readonly TrellisEvent[]): string[] {
  const starts = events
    .filter((e) => e.type === 'step.started')
    .map((e) => `${e.execution_id}/${e.step}${e.index === null ? '' : `/${e.index}`}:${e.attempt}`)
  expect(new Set(starts).size).toBe(starts.length)
  return starts
}

describePostgres('trellis worker processes sharing PostgreSQL', () => {
  it('four workers run 1,000 five-step executions and a 200-wide fan-out, each attempt once, the fan-out on several', async () => {
    const t = await setup()
    const five = await loadWorkflowFile(join(SCALE, 'five.yaml'))
    const fan = await loadWorkflowFile(join(SCALE, 'fan.yaml'))
    const ids = Array.from({ length: 1_000 }, (_, i) => `five-${i}`)
    await t.engine.create(fan, { items: Array.from({ length: 200 }, (_, i) => i), ms: 50 }, { id: 'fan' })
    for (const id of ids) await t.engine.create(five, {}, { id })
    for (let i = 0; i < 4; i++) t.worker(['--concurrency', '20'])

    await waitFor(
      'every execution to end',
      async () => ((await unfinished(t.store, [...ids, 'fan'])).length === 0 ? true : undefined),
      240_000,
    )

    for (const id of [...ids, 'fan']) {
      const record = await t.store.findExecution(id)
      expect(record?.status, id).toBe('completed')
    }
    expect((await t.store.findExecution('five-0'))?.outputs).toEqual({ x: 5 })
    expect((await t.store.findExecution('fan'))?.outputs).toEqual({ n: 200 })

    // Each (step, attempt) started once across all workers, and no attempt ran twice (the actions' own marks).
    const started: string[] = []
    for (const id of [...ids, 'fan']) started.push(...expectOneStartPerAttempt(await allEvents(t.store, id)))
    const marks = readMarks(t.marks)
    expect(new Set(marks.map((m) => m.key)).size).toBe(marks.length)
    // Every attempt that ran was started first (committed), and every started one ran.
    const startedSet = new Set(started)
    expect(marks.filter((m) => !startedSet.has(m.key))).toEqual([])
    expect(marks.length).toBe(started.length)
    expect(started.length).toBe(1_000 * 5 + 201)

    // The work spread over the workers, and one execution's fan-out over more than one of them.
    const pids = new Set(marks.map((m) => m.pid))
    expect(pids.size).toBe(4)
    const fanPids = new Set(marks.filter((m) => m.execution === 'fan').map((m) => m.pid))
    expect(fanPids.size).toBeGreaterThan(1)

    for (const w of t.workers) w.child.kill('SIGTERM')
    for (const w of t.workers) expect((await w.exited).code).toBe(0)
  }, 300_000)

  it('a worker killed with SIGKILL mid-run: everything still completes, on the others', async () => {
    const t = await setup()
    const five = await loadWorkflowFile(join(SCALE, 'five.yaml'))
    const ids = Array.from({ length: 200 }, (_, i) => `k-${i}`)
    for (const id of ids) await t.engine.create(five, {}, { id })
    const victim = t.worker(['--lease', '1s'])
    for (let i = 0; i < 2; i++) t.worker(['--lease', '1s'])
    await waitFor('the victim to run attempts', async () =>
      readMarks(t.marks).filter((m) => m.pid === victim.child.pid).length >= 20 ? true : undefined,
    )
    victim.child.kill('SIGKILL')
    await victim.exited

    await waitFor(
      'every execution to end',
      async () => ((await unfinished(t.store, ids)).length === 0 ? true : undefined),
      120_000,
    )
    const started = new Set<string>()
    for (const id of ids) {
      expect((await t.store.findExecution(id))?.status).toBe('completed')
      for (const key of expectOneStartPerAttempt(await allEvents(t.store, id))) started.add(key)
    }
    const marks = readMarks(t.marks)
    expect(new Set(marks.map((m) => m.key)).size).toBe(marks.length)
    expect(marks.filter((m) => !started.has(m.key))).toEqual([])
    const survivors = new Set(t.workers.slice(1).map((w) => w.child.pid))
    const after = marks.filter((m) => survivors.has(m.pid))
    expect(after.length).toBeGreaterThan(0)
  }, 180_000)

  it('a worker frozen past its lease is taken over; woken, its write is refused with LEASE_LOST', async () => {
    const t = await setup()
    const slow = await loadWorkflowFile(join(SCALE, 'slow.yaml'))
    await t.engine.create(slow, { ms: 2_500 }, { id: 'zombie' })
    const first = t.worker(['--lease', '1s', '--log-level', 'warn'])
    await waitFor('the first worker to start the attempt', async () =>
      readMarks(t.marks).some((m) => m.pid === first.child.pid) ? true : undefined,
    )
    first.child.kill('SIGSTOP')
    const second = t.worker(['--lease', '1s', '--log-level', 'warn'])
    await waitFor(
      'the second worker to finish it',
      async () => ((await t.store.findExecution('zombie'))?.status === 'completed' ? true : undefined),
      30_000,
    )
    first.child.kill('SIGCONT')
    await waitFor(
      'the first worker to notice',
      async () => (/LEASE_LOST/.test(first.stderr()) ? true : undefined),
      15_000,
    )

    const record = await t.store.findExecution('zombie')
    expect(record?.outputs).toEqual({ pid: second.child.pid })
    const events = await allEvents(t.store, 'zombie')
    const started = events.filter((e) => e.type === 'step.started').map((e) => e.attempt)
    expect(started).toEqual([1, 2])
    expect(events.filter((e) => e.type === 'step.completed').map((e) => e.attempt)).toEqual([2])
    // Nothing of the first worker's attempt was written after the takeover: the log ends with the second's result.
    expect(events.at(-1)?.type).toBe('execution.completed')
    const marks = readMarks(t.marks)
    expect(marks.map((m) => `${m.attempt}:${m.pid}`)).toEqual([`1:${first.child.pid}`, `2:${second.child.pid}`])
  }, 60_000)

  it('SIGTERM: running attempts get the grace period; the rest are released and restarted elsewhere at once', async () => {
    const t = await setup()
    const slow = await loadWorkflowFile(join(SCALE, 'slow.yaml'))
    await t.engine.create(slow, { ms: 300 }, { id: 'quick' })
    await t.engine.create(slow, { ms: 60_000 }, { id: 'long' })
    // A 10-minute lease: a restart before it runs out can only come from the release.
    const first = t.worker(['--grace', '2s', '--lease', '10m'])
    await waitFor('both attempts to start on the first worker', async () =>
      readMarks(t.marks).filter((m) => m.pid === first.child.pid).length === 2 ? true : undefined,
    )
    first.child.kill('SIGTERM')
    const exit = await first.exited
    expect(exit.code).toBe(0)
    // The quick attempt finished within the grace period and was recorded by the first worker.
    expect((await t.store.findExecution('quick'))?.outputs).toEqual({ pid: first.child.pid })

    const second = t.worker(['--lease', '10m'])
    await waitFor('the released attempt to start again on the second worker', async () =>
      readMarks(t.marks).some((m) => m.pid === second.child.pid && m.execution === 'long') ? true : undefined,
    )
    const events = await allEvents(t.store, 'long')
    expect(events.filter((e) => e.type === 'step.started').map((e) => e.attempt)).toEqual([1, 2])
    expect(events.some((e) => e.type === 'step.completed' || e.type === 'step.failed')).toBe(false)
  }, 60_000)
})
