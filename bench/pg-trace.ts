/**
 * What a workload asks of PostgreSQL: every `pg` query of the measured run (after the warm-up), counted and timed
 * (send to answer) by SQL text, with counts per step. The PostgreSQL counterpart of `sql-trace.ts`.
 *
 *   npx tsx bench/pg-trace.ts <W1|W2|W3|W4-10k> [--top 20]
 */
import { parseArgs } from 'node:util'
import pg from 'pg'
import { openBenchEngine } from './common.js'
import { WORKLOADS, type WorkloadId } from './workloads.js'

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' } },
})
const [id] = positionals
const workload = WORKLOADS.get(id as WorkloadId)
if (workload === undefined || id === 'W5') throw new Error('usage: pg-trace.ts <W1|W2|W3|W4-10k>')

const stats = new Map<string, { calls: number; ms: number }>()
let tracing = false
const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }
const query = proto.query
proto.query = function (this: unknown, ...args: unknown[]): unknown {
  const first = args[0] as string | { text: string }
  const text = typeof first === 'string' ? first : first.text
  const result = query.apply(this, args)
  if (!tracing || !(result instanceof Promise)) return result
  const started = performance.now()
  const key = text.replace(/\s+/g, ' ')
  return result.finally(() => {
    const entry = stats.get(key) ?? { calls: 0, ms: 0 }
    entry.calls++
    entry.ms += performance.now() - started
    stats.set(key, entry)
  })
}

const bench = await openBenchEngine('postgres')
try {
  await workload.warmup(bench)
  const callsBefore = bench.probe.calls
  tracing = true
  const started = performance.now()
  const row = await workload.measure(bench, 'full')
  const wall = performance.now() - started
  tracing = false
  const steps = bench.probe.calls - callsBefore + (id === 'W2' ? 1 : 0)
  let calls = 0
  for (const entry of stats.values()) calls += entry.calls
  const lines = [
    `${id} postgres: ${JSON.stringify(row)}`,
    `${steps} steps; ${calls} queries (${(calls / steps).toFixed(1)} per step) in ${wall.toFixed(0)} ms`,
    '      ms   calls  per step   µs each  statement',
  ]
  const top = [...stats.entries()].sort((a, b) => b[1].calls - a[1].calls).slice(0, Number(values.top))
  for (const [sql, entry] of top) {
    lines.push(
      `${entry.ms.toFixed(0).padStart(8)} ${String(entry.calls).padStart(7)} ${(entry.calls / steps).toFixed(2).padStart(9)} ` +
        `${((entry.ms * 1000) / entry.calls).toFixed(1).padStart(9)}  ${sql.length > 110 ? `${sql.slice(0, 107)}...` : sql}`,
    )
  }
  process.stdout.write(`${lines.join('\n')}\n`)
} finally {
  await bench.close()
}
