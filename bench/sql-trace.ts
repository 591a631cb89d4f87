/**
 * What a workload asks of SQLite: every better-sqlite3 statement call of the measured run (after the warm-up),
 * timed and grouped by SQL text, with counts per step. A diagnostic next to `--profile`: the profile shows that time
 * goes to `run`/`all`, this shows which statements and how many per step.
 *
 *   npx tsx bench/sql-trace.ts <W1|W2|W3|W4-10k|W4-100k> [sqlite|sqlite-full|memory] [--top 20]
 */
import { parseArgs } from 'node:util'
import BetterSqlite3 from 'better-sqlite3'
import { openBenchEngine, type Mode } from './common.js'
import { statementTable, tracedRun } from './statement-table.js'
import { WORKLOADS, type WorkloadId } from './workloads.js'

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '20' } },
})
const [id, modeArg = 'sqlite'] = positionals
const workload = WORKLOADS.get(id as WorkloadId)
if (workload === undefined || id === 'W5') throw new Error('usage: sql-trace.ts <W1|W2|W3|W4-10k|W4-100k> [mode]')
const mode = modeArg as Mode
if (mode !== 'sqlite' && mode !== 'sqlite-full' && mode !== 'memory') throw new Error('a SQLite mode, please')

const stats = new Map<string, { calls: number; ms: number }>()
let tracing = false
// Every statement the store prepares from now on reports its run/all/get calls.
const proto = BetterSqlite3.prototype as unknown as { prepare: (this: unknown, sql: string) => object }
const prepare = proto.prepare
proto.prepare = function (this: unknown, sql: string): object {
  const statement = prepare.call(this, sql) as Record<string | symbol, unknown>
  const key = sql.replace(/\s+/g, ' ')
  return new Proxy(statement, {
    get(target, property) {
      const value = Reflect.get(target, property, target)
      if (typeof value !== 'function') return value
      if (property !== 'run' && property !== 'all' && property !== 'get') return value.bind(target) as unknown
      return (...args: unknown[]): unknown => {
        if (!tracing) return (value as (...a: unknown[]) => unknown).apply(target, args)
        const started = performance.now()
        try {
          return (value as (...a: unknown[]) => unknown).apply(target, args)
        } finally {
          const entry = stats.get(key) ?? { calls: 0, ms: 0 }
          entry.calls++
          entry.ms += performance.now() - started
          stats.set(key, entry)
        }
      }
    },
  })
}

const bench = await openBenchEngine(mode)
try {
  const { row, wallMs: wall, steps } = await tracedRun(bench, id!, workload, (on) => (tracing = on))
  let calls = 0
  let ms = 0
  for (const entry of stats.values()) {
    calls += entry.calls
    ms += entry.ms
  }
  const lines = [
    `${id} ${mode}: ${JSON.stringify(row)}`,
    `${steps} steps; ${calls} statement calls (${(calls / steps).toFixed(1)} per step); ${ms.toFixed(0)} ms inside ` +
      `better-sqlite3 = ${((ms / wall) * 100).toFixed(0)} % of ${wall.toFixed(0)} ms`,
    ...statementTable(stats, steps, { top: Number(values.top), order: 'ms' }),
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
} finally {
  await bench.close()
}
