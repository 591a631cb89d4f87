/**
 * Scale-out on PostgreSQL (issue 5): W1's executions (10 sequential `bench.inc` steps each), created detached, run by
 * 1 and then 4 worker processes with the same settings; steps/s of each, and the ratio. Each count of workers gets a
 * schema of its own. Workers start, open the database and say `ready`; the clock starts when all are told `go`, and
 * stops when the last execution has completed.
 *
 *   npm run bench:scale -- [--workers 1,4] [--executions 400] [--concurrency 20] [--json]
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { createEngine } from '../src/create-engine.js'
import { openStore } from '../src/open-store.js'
import { benchSchemaName, postgresUrl, postgresUrlWithSchema } from './common.js'
import { sequentialWorkflow } from './w1-sequential.js'

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '1,4' },
    executions: { type: 'string', default: '400' },
    concurrency: { type: 'string', default: '20' },
    json: { type: 'boolean', default: false },
  },
})
const counts = values.workers.split(',').map(Number)
const executions = Number(values.executions)
const concurrency = Number(values.concurrency)
const STEPS = 10
const log = (line: string): void => void process.stderr.write(`${line}\n`)

interface Row {
  workers: number
  executions: number
  steps: number
  wall_ms: number
  steps_per_s: number
}

async function measure(workers: number): Promise<Row> {
  const schema = benchSchemaName()
  const db = postgresUrlWithSchema(schema)
  const store = await openStore(db, { createIfMissing: true })
  if (store === null) throw new Error('unreachable')
  const engine = await createEngine({ db: store })
  const workflow = sequentialWorkflow(STEPS)
  for (let i = 0; i < executions; i++) await engine.create(workflow, { start: 0 }, { id: `s-${i}` })
  await engine.close()
  await store.close()

  const children: ChildProcess[] = []
  try {
    for (let i = 0; i < workers; i++) {
      const child = spawn(process.execPath, ['--import', 'tsx', 'bench/scale-worker.ts', db, String(concurrency)], {
        stdio: ['pipe', 'pipe', 'inherit'],
      })
      children.push(child)
    }
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve, reject) => {
            child.once('exit', (code) => reject(new Error(`a worker exited early (${code})`)))
            createInterface({ input: child.stdout! }).once('line', () => resolve())
          }),
      ),
    )
    const client = new pg.Client({ connectionString: postgresUrl() })
    await client.connect()
    try {
      const started = performance.now()
      for (const child of children) child.stdin!.write('go\n')
      for (;;) {
        const { rows } = await client.query<{ n: string }>(
          `select count(*) as n from "${schema}".executions where status = 'completed'`,
        )
        if (Number(rows[0]!.n) >= executions) break
        await new Promise((r) => setTimeout(r, 20))
      }
      const wallMs = performance.now() - started
      const bad = await client.query(`select count(*) as n from "${schema}".executions where outputs <> '{"value":10}'`)
      if (Number(bad.rows[0].n) !== 0) throw new Error('an execution did not end with value 10')
      return {
        workers,
        executions,
        steps: executions * STEPS,
        wall_ms: Math.round(wallMs),
        steps_per_s: Math.round((executions * STEPS * 1000) / wallMs),
      }
    } finally {
      for (const child of children) child.kill('SIGTERM')
      await Promise.all(children.map((c) => new Promise((r) => (c.exitCode === null ? c.once('exit', r) : r(null)))))
      await client.query(`drop schema if exists "${schema}" cascade`)
      await client.end()
    }
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
  }
}

const rows: Row[] = []
for (const workers of counts) {
  log(`scale-out: ${workers} worker(s), ${executions} executions x ${STEPS} steps, concurrency ${concurrency} each`)
  const row = await measure(workers)
  log(`  ${row.steps_per_s} steps/s (${row.wall_ms} ms)`)
  rows.push(row)
}
const base = rows.find((r) => r.workers === 1)
const result = {
  results: rows.map((r) => ({
    ...r,
    vs_one: base === undefined ? null : +(r.steps_per_s / base.steps_per_s).toFixed(2),
  })),
}
if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`)
else for (const r of result.results) log(`${r.workers} worker(s): ${r.steps_per_s} steps/s, ${r.vs_one ?? '-'}x one`)
