/**
 * One task of the suite in a fresh process, so peak RSS and JIT state belong to that task alone. Prints a line
 * `BENCH_RESULT <json>` on stdout per row: `{ "result": row }` for a workload (the UI workload has one per page),
 * `{ "ceiling": txn/s }` for the ceiling.
 * A workload that is still running after `--cap-s` seconds is stopped and reported with a note (when its event loop
 * gets to run the timer; otherwise the parent kills it).
 *
 * With `--profile-out FILE`, writes a CPU profile of the measured run (not the warm-up) to FILE.
 *
 *   node --import tsx bench/child.ts <W1|W2|W3|W4-100k|W4-10k|W5|UI|ceiling> <mode> [--size full|smoke] [--cap-s N]
 *     [--profile-out FILE]
 */
import { rmSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import { parseArgs } from 'node:util'
import { measureSqliteCeiling } from './ceiling.js'
import { CLEANUP_PREFIX, RESULT_PREFIX, type ChildPayload, type Leftovers } from './child-protocol.js'
import { dropSchema, emptyResult, MODES, openBenchEngine, peakRssMb, round, type Mode } from './common.js'
import { WORKLOADS, type Size, type WorkloadId } from './workloads.js'

function emit(payload: ChildPayload): void {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(payload)}\n`)
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      size: { type: 'string', default: 'full' },
      'cap-s': { type: 'string', default: '600' },
      'profile-out': { type: 'string' },
    },
  })
  const [task, modeArg] = positionals
  const mode = modeArg as Mode
  if (!MODES.includes(mode)) throw new Error(`unknown mode ${String(modeArg)}`)
  if (values.size !== 'full' && values.size !== 'smoke') throw new Error(`unknown size ${values.size}`)
  const size: Size = values.size

  if (task === 'ceiling') {
    if (mode !== 'sqlite' && mode !== 'sqlite-full') throw new Error(`no ceiling for mode ${mode}`)
    const params = size === 'smoke' ? { durationMs: 200, warmupMs: 50 } : undefined
    emit({ ceiling: round(await measureSqliteCeiling(mode === 'sqlite-full' ? 'FULL' : undefined, params), 0)! })
    return
  }

  const workload = WORKLOADS.get(task as WorkloadId)
  if (workload === undefined) throw new Error(`unknown workload ${String(task)}`)
  const bench = await openBenchEngine(mode)
  const leftovers: Leftovers = { dir: bench.tempDir, schema: bench.schema }
  process.stdout.write(`${CLEANUP_PREFIX}${JSON.stringify(leftovers)}\n`)
  const capS = Number(values['cap-s'])
  const started = performance.now()
  const cap = setTimeout(() => {
    // Still running at the cap: report how far it got, then leave without waiting for the engine.
    const elapsed = (performance.now() - started) / 1000
    emit({
      result: {
        ...emptyResult(workload.id, mode),
        steps_per_s: round(bench.probe.calls / elapsed, 0),
        peak_rss_mb: round(peakRssMb(), 1),
        note: `stopped at the ${capS} s cap; ${bench.probe.calls.toLocaleString('en-US')} step bodies had run (warm-up included)`,
      },
    })
    if (bench.tempDir !== null) rmSync(bench.tempDir, { recursive: true, force: true })
    if (bench.schema === null) process.exit(0)
    void dropSchema(bench.schema).finally(() => process.exit(0))
  }, capS * 1000)
  try {
    if (size === 'full') await workload.warmup(bench)
    const profile = values['profile-out'] === undefined ? null : await startProfile()
    const result = await workload.measure(bench, size)
    if (profile !== null) writeFileSync(values['profile-out']!, JSON.stringify(await profile.stop()))
    for (const row of 'workload' in result ? [result] : result) emit({ result: row })
  } finally {
    clearTimeout(cap)
    await bench.close()
  }
}

/** A CPU profile of this process from now on (after the warm-up), through the inspector; 100 µs sampling. */
async function startProfile(): Promise<{ stop(): Promise<object> }> {
  const session = new Session()
  session.connect()
  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((done, fail) =>
      session.post(method, params, (error, result) => (error === null ? done(result) : fail(error))),
    )
  await post('Profiler.enable')
  await post('Profiler.setSamplingInterval', { interval: 100 })
  await post('Profiler.start')
  return {
    async stop() {
      const { profile } = (await post('Profiler.stop')) as { profile: object }
      session.disconnect()
      return profile
    },
  }
}

try {
  await main()
  process.exit(0)
} catch (error) {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
}
