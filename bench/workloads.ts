/**
 * The suite's tasks by id (the workloads of issue 6, W4 at two sizes, the web UI's pages, and the store's
 * ceiling), with their full, warm-up and smoke sizes, and how each turns its outcome into result rows.
 */
import { emptyResult, peakRssMb, percentile, round, type BenchEngine, type BenchResult, type Mode } from './common.js'
import { runW1, W1_FULL, type W1Params } from './w1-sequential.js'
import { runW2, W2_FULL, type W2Params } from './w2-fan-in.js'
import { runW3, W3_FULL, type W3Params } from './w3-wake.js'
import { runW4, W4_100K, W4_10K, type W4Params } from './w4-for-each.js'
import { runW5, W5_FULL, type W5Params } from './w5-signals.js'
import { runUiPages, UI_FULL, uiMissing, type UiParams } from './ui-pages.js'

export type Size = 'full' | 'smoke'

export const WORKLOAD_IDS = ['W1', 'W2', 'W3', 'W4-100k', 'W4-10k', 'W5', 'UI'] as const
export type WorkloadId = (typeof WORKLOAD_IDS)[number]

export interface Workload {
  readonly id: WorkloadId
  readonly title: string
  /** Why the workload cannot run in `mode`, or null when it can. */
  notApplicable(mode: Mode): string | null
  /** What this machine lacks for it (a browser, a build), or null; its rows are then skipped with that note. */
  unavailable?(): string | null
  /** Runs a small version of the workload first (at `full` size), so the measured run meets warm code. */
  warmup(bench: BenchEngine): Promise<void>
  /** Runs the workload and returns its row (or rows: the UI workload gives one per page). */
  measure(bench: BenchEngine, size: Size): Promise<BenchResult | readonly BenchResult[]>
}

const ms = (value: number | null): number | null => round(value, 3)

function w1(): Workload {
  const sizes: Record<Size | 'warmup', W1Params> = {
    full: W1_FULL,
    warmup: { executions: 20, inFlight: 20, steps: W1_FULL.steps },
    smoke: { executions: 5, inFlight: 5, steps: W1_FULL.steps },
  }
  return {
    id: 'W1',
    title: '200 executions × 10 sequential steps, 20 in flight',
    notApplicable: () => null,
    async warmup(bench) {
      await runW1(bench, sizes.warmup)
    },
    async measure(bench, size) {
      const outcome = await runW1(bench, sizes[size])
      return {
        ...emptyResult('W1', bench.mode),
        steps_per_s: round(outcome.stepsPerS, 0),
        wall_ms: ms(outcome.wallMs),
        p50_ms: ms(percentile(outcome.latenciesMs, 50)),
        p99_ms: ms(percentile(outcome.latenciesMs, 99)),
        peak_rss_mb: round(peakRssMb(), 1),
      }
    },
  }
}

function w2(): Workload {
  const sizes: Record<Size | 'warmup', W2Params> = { full: W2_FULL, warmup: { parallel: 50 }, smoke: { parallel: 50 } }
  return {
    id: 'W2',
    title: '1 execution: 1,000 parallel steps, then 1 that needs all',
    notApplicable: () => null,
    async warmup(bench) {
      await runW2(bench, sizes.warmup)
    },
    async measure(bench, size) {
      const params = sizes[size]
      const outcome = await runW2(bench, params)
      return {
        ...emptyResult('W2', bench.mode),
        steps_per_s: round(((params.parallel + 1) * 1000) / outcome.wallMs, 0),
        wall_ms: ms(outcome.wallMs),
        peak_rss_mb: round(peakRssMb(), 1),
      }
    },
  }
}

function w3(): Workload {
  const sizes: Record<Size | 'warmup', W3Params> = {
    full: W3_FULL,
    warmup: { executions: 20 },
    smoke: { executions: 5 },
  }
  return {
    id: 'W3',
    title: '200 executions of 1 step, one after another',
    notApplicable: () => null,
    async warmup(bench) {
      await runW3(bench, sizes.warmup)
    },
    async measure(bench, size) {
      const outcome = await runW3(bench, sizes[size])
      return {
        ...emptyResult('W3', bench.mode),
        wall_ms: ms(outcome.wallMs),
        p50_ms: ms(percentile(outcome.latenciesMs, 50)),
        p99_ms: ms(percentile(outcome.latenciesMs, 99)),
        wake_p50_ms: ms(percentile(outcome.wakeMs, 50)),
        wake_p99_ms: ms(percentile(outcome.wakeMs, 99)),
        peak_rss_mb: round(peakRssMb(), 1),
      }
    },
  }
}

function w4(id: 'W4-100k' | 'W4-10k', full: W4Params, smokeItems: number): Workload {
  const sizes: Record<Size | 'warmup', W4Params> = {
    full,
    warmup: { items: 200, concurrency: full.concurrency },
    smoke: { items: smokeItems, concurrency: full.concurrency },
  }
  return {
    id,
    title: `1 for_each over ${full.items.toLocaleString('en-US')} items, concurrency ${full.concurrency}`,
    notApplicable: () => null,
    async warmup(bench) {
      await runW4(bench, sizes.warmup)
    },
    async measure(bench, size) {
      const params = sizes[size]
      const outcome = await runW4(bench, params)
      return {
        ...emptyResult(id, bench.mode),
        steps_per_s: round((params.items * 1000) / outcome.wallMs, 0),
        wall_ms: ms(outcome.wallMs),
        peak_rss_mb: round(peakRssMb(), 1),
      }
    },
  }
}

function w5(): Workload {
  const sizes: Record<Size | 'warmup', W5Params> = {
    full: W5_FULL,
    warmup: { executions: 3, gapMs: W5_FULL.gapMs },
    smoke: { executions: 3, gapMs: W5_FULL.gapMs },
  }
  return {
    id: 'W5',
    title: '50 executions waiting on a signal sent by a second process',
    notApplicable: (mode) => (mode === 'memory' ? 'a :memory: database cannot be opened by a second process' : null),
    async warmup(bench) {
      await runW5(bench, sizes.warmup)
    },
    async measure(bench, size) {
      const outcome = await runW5(bench, sizes[size])
      return {
        ...emptyResult('W5', bench.mode),
        wall_ms: ms(outcome.wallMs),
        p50_ms: ms(percentile(outcome.latenciesMs, 50)),
        p99_ms: ms(percentile(outcome.latenciesMs, 99)),
        peak_rss_mb: round(peakRssMb(), 1),
      }
    },
  }
}

function ui(): Workload {
  const sizes: Record<Size, UiParams> = { full: UI_FULL, smoke: { executions: 300 } }
  const row = (workload: string, mode: Mode, wallMs: number): BenchResult => ({
    ...emptyResult(workload, mode),
    wall_ms: round(wallMs, 0),
  })
  return {
    id: 'UI',
    title: 'the web UI in Chromium: 5,000 executions and a 300-step run; list, filter and search, execution page',
    notApplicable: (mode) => (mode === 'sqlite' ? null : 'the UI workload runs on the sqlite mode only'),
    unavailable: uiMissing,
    // Nothing to warm: each run is a fresh browser on a freshly started server, as a person opening the UI.
    async warmup() {},
    async measure(bench, size) {
      const outcome = await runUiPages(bench, sizes[size])
      return [
        row('UI-list', bench.mode, outcome.listMs),
        row('UI-search', bench.mode, outcome.searchMs),
        row('UI-execution', bench.mode, outcome.executionMs),
      ]
    },
  }
}

export const WORKLOADS: ReadonlyMap<WorkloadId, Workload> = new Map(
  [w1(), w2(), w3(), w4('W4-100k', W4_100K, 1_000), w4('W4-10k', W4_10K, 200), w5(), ui()].map((w) => [w.id, w]),
)
