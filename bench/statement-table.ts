import type { BenchEngine, BenchResult } from './common.js'
import type { Workload } from './workloads.js'

/** Statement timings of a traced run, by SQL text. */
export type StatementStats = ReadonlyMap<string, { readonly calls: number; readonly ms: number }>

/**
 * The table `sql-trace.ts` and `pg-trace.ts` print: per statement the total ms, the calls, the calls per step and
 * the µs per call, the `top` first by `order`.
 */
export function statementTable(
  stats: StatementStats,
  steps: number,
  options: { top: number; order: 'ms' | 'calls' },
): string[] {
  const lines = ['      ms   calls  per step   µs each  statement']
  const top = [...stats.entries()].sort((a, b) => b[1][options.order] - a[1][options.order]).slice(0, options.top)
  for (const [sql, entry] of top) {
    lines.push(
      `${entry.ms.toFixed(0).padStart(8)} ${String(entry.calls).padStart(7)} ${(entry.calls / steps).toFixed(2).padStart(9)} ` +
        `${((entry.ms * 1000) / entry.calls).toFixed(1).padStart(9)}  ${sql.length > 110 ? `${sql.slice(0, 107)}...` : sql}`,
    )
  }
  return lines
}

/**
 * The traced run both traces make: the workload's warm-up untraced, then its full measured run with `tracing` on.
 * Steps are the action bodies run (W2's collecting step is not counted by the probe: it is added).
 */
export async function tracedRun(
  bench: BenchEngine,
  id: string,
  workload: Workload,
  tracing: (on: boolean) => void,
): Promise<{ row: BenchResult | readonly BenchResult[]; wallMs: number; steps: number }> {
  await workload.warmup(bench)
  const callsBefore = bench.probe.calls
  tracing(true)
  const started = performance.now()
  const row = await workload.measure(bench, 'full')
  const wallMs = performance.now() - started
  tracing(false)
  return { row, wallMs, steps: bench.probe.calls - callsBefore + (id === 'W2' ? 1 : 0) }
}
