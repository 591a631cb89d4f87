// A smoke run of the benchmark suite (bench/, issue 6): tiny versions of every workload on `memory` and `sqlite`,
// checking what the workflows computed and the events each execution wrote, never how fast. Plus one run of the
// suite's runner, whose `--json` must print one JSON document and nothing else on stdout.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { openBenchEngine, type BenchEngine, type Mode } from '../../bench/common.js'
import { runW1 } from '../../bench/w1-sequential.js'
import { runW2 } from '../../bench/w2-fan-in.js'
import { runW3 } from '../../bench/w3-wake.js'
import { runW4 } from '../../bench/w4-for-each.js'
import { runW5 } from '../../bench/w5-signals.js'

const REPO = fileURLToPath(new URL('../..', import.meta.url))

let open: BenchEngine[] = []
afterEach(async () => {
  await Promise.all(open.map((b) => b.close()))
  open = []
})

async function bench(mode: Mode): Promise<BenchEngine> {
  const b = await openBenchEngine(mode)
  open.push(b)
  return b
}

/** The execution's stored events, counted by type; `[i]` marks iteration events, `(no attempt)` a completion without an attempt (a for_each step's own, a wait). */
async function eventCounts(b: BenchEngine, id: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (const event of await b.engine.store.readEvents(id, 0, 1_000_000)) {
    const key =
      event.type +
      (event.index !== null ? '[i]' : '') +
      (event.type === 'step.completed' && event.step !== null && event.attempt === null ? '(no attempt)' : '')
    counts[key] = (counts[key] ?? 0) + 1
  }
  return counts
}

describe.each(['memory', 'sqlite'] as const)('bench workloads, tiny, %s', (mode) => {
  it('W1: every execution of the 10-step chain ends with 10 and writes 10 starts and 10 completions', async () => {
    const b = await bench(mode)
    const outcome = await runW1(b, { executions: 5, inFlight: 3, steps: 10 })
    expect(outcome.executionIds).toHaveLength(5)
    expect(outcome.latenciesMs).toHaveLength(5)
    for (const id of outcome.executionIds) {
      const execution = await b.engine.get(id)
      expect(execution.outputs).toEqual({ value: 10 })
      expect(await eventCounts(b, id)).toEqual({
        'execution.started': 1,
        'step.started': 10,
        'step.completed': 10,
        'execution.completed': 1,
      })
    }
    expect(b.probe.calls).toBe(50)
  })

  it('W2: the last step sees all 50 outputs', async () => {
    const b = await bench(mode)
    const { execution } = await runW2(b, { parallel: 50 })
    expect(execution.outputs).toEqual({ count: 50, sum: (50 * 51) / 2 })
    expect(execution.steps.all?.output).toEqual({ count: 50, sum: 1275 })
    expect(await eventCounts(b, execution.id)).toEqual({
      'execution.started': 1,
      'step.started': 51,
      'step.completed': 51,
      'execution.completed': 1,
    })
  })

  it('W3: one step per execution, its body timed in this process', async () => {
    const b = await bench(mode)
    const outcome = await runW3(b, { executions: 5 })
    expect(outcome.wakeMs).toHaveLength(5)
    for (const ms of [...outcome.wakeMs, ...outcome.latenciesMs]) expect(ms).toBeGreaterThanOrEqual(0)
    for (const [i, id] of outcome.executionIds.entries()) {
      expect((await b.engine.get(id)).outputs).toEqual({ value: i + 1 })
      expect(await eventCounts(b, id)).toEqual({
        'execution.started': 1,
        'step.started': 1,
        'step.completed': 1,
        'execution.completed': 1,
      })
    }
  })

  it('W4: a for_each over 200 items gives 200 outputs in order', async () => {
    const b = await bench(mode)
    const { execution } = await runW4(b, { items: 200, concurrency: 100 })
    expect(execution.steps.each?.output).toEqual(Array.from({ length: 200 }, (_, i) => i + 1))
    expect(await eventCounts(b, execution.id)).toEqual({
      'execution.started': 1,
      'step.started[i]': 200,
      'step.completed[i]': 200,
      'step.completed(no attempt)': 1,
      'execution.completed': 1,
    })
  })

  if (mode === 'memory') {
    it('W5 refuses :memory:, which no second process can open', async () => {
      const b = await bench(mode)
      await expect(runW5(b, { executions: 1, gapMs: 7 })).rejects.toThrow(/another process/)
    })
  } else {
    it('W5: 3 signals from a second process each reach their waiting execution', async () => {
      const b = await bench(mode)
      const outcome = await runW5(b, { executions: 3, gapMs: 7 })
      expect(outcome.latenciesMs).toHaveLength(3)
      for (const ms of outcome.latenciesMs) expect(ms).toBeGreaterThan(0)
      for (const [n, id] of outcome.executionIds.entries()) {
        expect((await b.engine.get(id)).outputs).toEqual({ value: n + 1 })
        expect(await eventCounts(b, id)).toEqual({
          'execution.started': 1,
          'step.waiting': 1,
          'execution.suspended': 1,
          'signal.received': 1, // written by the sender's process
          'execution.resumed': 1,
          'step.completed(no attempt)': 1, // the wait step
          'step.started': 1,
          'step.completed': 1,
          'execution.completed': 1,
        })
      }
    })
  }
})

describe('npm run bench -- --json', () => {
  it('prints one JSON document: the rows, and the ceiling with the ratio', () => {
    const args = ['--json', '--size', 'smoke', '--runs', '1', '--only', 'W3', '--mode', 'sqlite']
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], {
      cwd: REPO,
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(run.status, run.stderr).toBe(0)
    const report = JSON.parse(run.stdout) as {
      results: Record<string, unknown>[]
      ceiling: { sqlite_txn_per_s: number | null; w1_sqlite_fraction: number | null }
    }
    expect(report.results).toHaveLength(1)
    expect(report.results[0]).toMatchObject({
      workload: 'W3',
      mode: 'sqlite',
      steps_per_s: null,
      wall_ms: expect.any(Number),
      p50_ms: expect.any(Number),
      p99_ms: expect.any(Number),
      wake_p50_ms: expect.any(Number),
      wake_p99_ms: expect.any(Number),
      peak_rss_mb: expect.any(Number),
    })
    expect(report.ceiling.sqlite_txn_per_s).toBeGreaterThan(0)
    expect(report.ceiling.w1_sqlite_fraction).toBeNull() // no W1 in this run
  })
})
