/**
 * What a workload asks of PostgreSQL: every `pg` query of the measured run (after the warm-up), counted and timed
 * (send to answer) by SQL text, with counts per step. The PostgreSQL counterpart of `sql-trace.ts`.
 *
 *   npx tsx bench/pg-trace.ts <W1|W2|W3|W4-10k> [--top 20]
 */
import { parseArgs } from 'node:util'
import pg from 'pg'
import { openBenchEngine } from './common.js'
import { statementTable, tracedRun } from './statement-table.js'
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
  if (!tracing) return query.apply(this, args)
  const first = args[0] as string | { text: string }
  const key = (typeof first === 'string' ? first : first.text).replace(/\s+/g, ' ').trim()
  const started = performance.now()
  const record = (): void => {
    const entry = stats.get(key) ?? { calls: 0, ms: 0 }
    entry.calls++
    entry.ms += performance.now() - started
    stats.set(key, entry)
  }
  // The pool (the store's group commit) calls back; Kysely awaits a promise.
  const last = args.length - 1
  const callback = args[last]
  if (typeof callback === 'function') {
    args[last] = (...results: unknown[]): unknown => {
      record()
      return (callback as (...r: unknown[]) => unknown)(...results)
    }
    return query.apply(this, args)
  }
  const result = query.apply(this, args)
  return result instanceof Promise ? result.finally(record) : result
}

const bench = await openBenchEngine('postgres')
try {
  const { row, wallMs: wall, steps } = await tracedRun(bench, id!, workload, (on) => (tracing = on))
  let calls = 0
  for (const entry of stats.values()) calls += entry.calls
  const lines = [
    `${id} postgres: ${JSON.stringify(row)}`,
    `${steps} steps; ${calls} queries (${(calls / steps).toFixed(1)} per step) in ${wall.toFixed(0)} ms`,
    ...statementTable(stats, steps, { top: Number(values.top), order: 'calls' }),
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
} finally {
  await bench.close()
}
