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
