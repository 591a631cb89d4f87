/**
 * `npm run bench`: the workloads of issue 6 (W1–W5) in every mode, each run in a fresh child process
 * (`bench/child.ts`), several runs, medians; plus the raw ceiling of the SQLite store on the same settings, and the
 * engine's W1 steps/s as a fraction of it. See docs/performance.md.
 *
 *   npm run bench                                  # the table
 *   npm run bench -- --json                        # one JSON document on stdout, nothing else
 *   npm run bench -- --only W1,W3 --mode sqlite,memory --runs 5
 *   npm run bench -- --quick                       # one run, without W4 at 100,000 items
 *   npm run bench -- --only UI --mode sqlite       # the web UI's pages in Chromium (needs dist/ui and Chromium)
 *   npm run bench -- --only W1 --mode sqlite --runs 1 --profile prof   # CPU profiles of the measured runs
 *   npx tsx bench/profile-summary.ts prof/*.cpuprofile                 # their hot spots
 */
import { spawn } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import { createConnection } from 'node:net'
import { cpus, loadavg } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { openStore } from '../src/open-store.js'
import { CLEANUP_PREFIX, RESULT_PREFIX, type ChildPayload, type Leftovers } from './child-protocol.js'
import {
  benchSchemaName,
  dropSchema,
  emptyResult,
  MODES,
  postgresUrl,
  postgresUrlWithSchema,
  round,
  type BenchResult,
  type Mode,
} from './common.js'
import { formatReport, type Report } from './report.js'
import { WORKLOAD_IDS, WORKLOADS, type Size, type WorkloadId } from './workloads.js'

const REPO = fileURLToPath(new URL('..', import.meta.url))
const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url))

interface Options {
  readonly json: boolean
  readonly workloads: readonly WorkloadId[]
  readonly modes: readonly Mode[]
  readonly runs: number
  readonly size: Size
  readonly capS: number
  readonly profileDir: string | null
}

function parseOptions(argv: readonly string[]): Options {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      json: { type: 'boolean', default: false },
      only: { type: 'string' },
      mode: { type: 'string' },
      quick: { type: 'boolean', default: false },
      runs: { type: 'string' },
      size: { type: 'string', default: 'full' },
      'cap-s': { type: 'string', default: '600' },
      profile: { type: 'string' },
    },
  })
  const list = (text: string | undefined): string[] | null =>
    text === undefined
      ? null
      : text
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '')
  const only = list(values.only)
  // Case-insensitive; `W4` selects both sizes of W4.
  const selects = (o: string, id: WorkloadId): boolean =>
    id.toLowerCase() === o.toLowerCase() || id.split('-')[0] === o.toUpperCase()
  for (const o of only ?? []) {
    if (!WORKLOAD_IDS.some((id) => selects(o, id)))
      throw new Error(`--only: unknown workload ${o} (known: ${WORKLOAD_IDS.join(', ')})`)
  }
  let workloads = WORKLOAD_IDS.filter((id) => only === null || only.some((o) => selects(o, id)))
  if (values.quick) workloads = workloads.filter((id) => id !== 'W4-100k')
  const modes = (list(values.mode) ?? [...MODES]) as Mode[]
  for (const mode of modes)
    if (!MODES.includes(mode)) throw new Error(`--mode: unknown mode ${mode} (known: ${MODES.join(', ')})`)
  const runs = Number(values.runs ?? (values.quick ? 1 : 3))
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number, 1 or more`)
  const capS = Number(values['cap-s'])
  if (!(capS > 0)) throw new Error('--cap-s must be a positive number of seconds')
  if (values.size !== 'full' && values.size !== 'smoke') throw new Error('--size must be full or smoke')
  return {
    json: values.json,
    workloads,
    modes,
    runs,
    size: values.size,
    capS,
    profileDir: values.profile === undefined ? null : resolve(values.profile),
  }
}

/** Why `postgres` mode cannot run here, or null when it can. */
async function postgresUnavailable(): Promise<string | null> {
  const url = postgresUrl()
  let host = '127.0.0.1'
  let port = 5432
  try {
    const parsed = new URL(url)
    host = parsed.hostname || host
    port = Number(parsed.port || port)
  } catch {
    return `TRELLIS_BENCH_PG_URL is not a URL`
  }
  const reachable = await new Promise<boolean>((done) => {
    const socket = createConnection({ host, port, timeout: 1_000 })
    socket.once('connect', () => (socket.destroy(), done(true)))
    socket.once('timeout', () => (socket.destroy(), done(false)))
    socket.once('error', () => done(false))
  })
  if (!reachable) return `no PostgreSQL at ${host}:${port}`
  const schema = benchSchemaName()
  try {
    const store = await openStore(postgresUrlWithSchema(schema))
    await store?.close()
    return null
  } catch (error) {
    return `openStore refuses ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`
  } finally {
    await dropSchema(schema).catch(() => {})
  }
}

/** Runs one task in a fresh child process: its payloads (one per row); rejects with its stderr when it fails. */
function runChild(task: string, mode: Mode, run: number, options: Options): Promise<ChildPayload[]> {
  const args = ['--import', 'tsx', CHILD, task, mode, '--size', options.size, '--cap-s', String(options.capS)]
  if (options.profileDir !== null && task !== 'ceiling') {
    mkdirSync(options.profileDir, { recursive: true })
    args.push('--profile-out', join(options.profileDir, `${task}-${mode}-${run}.cpuprofile`))
  }
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let killed = false
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    // The child stops itself at the cap only if its event loop gets to run a timer; an engine busy with synchronous
    // actions on SQLite never yields to timers, so the parent enforces the cap too (with time for start-up).
    const kill = setTimeout(
      () => {
        killed = true
        child.kill('SIGKILL')
      },
      (options.capS + 15) * 1000,
    )
    child.on('error', fail)
    child.on('exit', (code, signal) => {
      clearTimeout(kill)
      const lines = (prefix: string): string[] =>
        stdout
          .split('\n')
          .filter((l) => l.startsWith(prefix))
          .map((l) => l.slice(prefix.length))
      const results = lines(RESULT_PREFIX)
      if (code === 0 && results.length > 0) return done(results.map((r) => JSON.parse(r) as ChildPayload))
      const leftovers = lines(CLEANUP_PREFIX)[0]
      if (leftovers !== undefined) void cleanUp(JSON.parse(leftovers) as Leftovers)
      if (killed) {
        const note = `stopped at the ${options.capS} s cap (killed: its event loop ran no timer until then)`
        return done([{ result: { ...emptyResult(task, mode), note } }])
      }
      fail(new Error(`${task} ${mode} exited with ${signal ?? code}:\n${stderr.trim() || stdout.trim()}`))
    })
  })
}

/** Removes what a killed child left: its temp directory, its PostgreSQL schema. */
async function cleanUp(leftovers: Leftovers): Promise<void> {
  if (leftovers.dir !== null) rmSync(leftovers.dir, { recursive: true, force: true })
  if (leftovers.schema !== null) await dropSchema(leftovers.schema).catch(() => {})
}

/** Median of the numbers (null when there are none). */
function median(values: readonly (number | null)[]): number | null {
  const numbers = values.filter((v): v is number => v !== null).sort((a, b) => a - b)
  if (numbers.length === 0) return null
  const mid = numbers.length >> 1
  return numbers.length % 2 === 1 ? numbers[mid]! : (numbers[mid - 1]! + numbers[mid]!) / 2
}

const FIELDS = ['steps_per_s', 'wall_ms', 'p50_ms', 'p99_ms', 'wake_p50_ms', 'wake_p99_ms', 'peak_rss_mb'] as const

/** One row per workload and mode: each field the median of the runs. */
function medianRow(runs: readonly BenchResult[]): BenchResult {
  const first = runs[0]!
  const row: BenchResult = { ...emptyResult(first.workload, first.mode) }
  for (const field of FIELDS) {
    const m = median(runs.map((r) => r[field]))
    row[field] = field === 'steps_per_s' ? round(m, 0) : round(m, field === 'peak_rss_mb' ? 1 : 3)
  }
  const notes = [...new Set(runs.map((r) => r.note).filter((n) => n !== undefined))]
  if (notes.length > 0) row.note = notes.join('; ')
  return row
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2))
  const log = (text: string): void => void process.stderr.write(`${text}\n`)
  const loadStart = loadavg()
  const startedAt = new Date()

  const skipped: { mode: Mode; reason: string }[] = []
  let modes = options.modes
  if (modes.includes('postgres')) {
    const reason = await postgresUnavailable()
    if (reason !== null) {
      skipped.push({ mode: 'postgres', reason })
      modes = modes.filter((m) => m !== 'postgres')
      log(`postgres: skipped (${reason})`)
    }
  }
  const ceilingModes = modes.filter((m): m is 'sqlite' | 'sqlite-full' => m === 'sqlite' || m === 'sqlite-full')

  // Per task (`id\0mode`), per row it gives (its workload name), the rows of every run.
  const runs = new Map<string, Map<string, BenchResult[]>>()
  const addRow = (key: string, row: BenchResult): void => {
    const rows = runs.get(key) ?? new Map<string, BenchResult[]>()
    rows.set(row.workload, [...(rows.get(row.workload) ?? []), row])
    runs.set(key, rows)
  }
  const ceilings = new Map<Mode, number[]>()
  const failures: string[] = []
  for (let run = 1; run <= options.runs; run++) {
    // Runs interleave (every task once, then again) so a burst of load on the machine spreads over the tasks.
    for (const mode of ceilingModes) {
      log(`[run ${run}/${options.runs}] ceiling ${mode}`)
      try {
        for (const payload of await runChild('ceiling', mode, run, options))
          if ('ceiling' in payload) ceilings.set(mode, [...(ceilings.get(mode) ?? []), payload.ceiling])
      } catch (error) {
        failures.push((error as Error).message)
        log((error as Error).message)
      }
    }
    for (const id of options.workloads) {
      const workload = WORKLOADS.get(id)!
      for (const mode of modes) {
        const key = `${id}\0${mode}`
        const reason = workload.notApplicable(mode)
        if (reason !== null) {
          if (run === 1) addRow(key, { ...emptyResult(id, mode), note: `not applicable: ${reason}` })
          continue
        }
        const missing = workload.unavailable?.() ?? null
        if (missing !== null) {
          if (run === 1) addRow(key, { ...emptyResult(id, mode), note: `skipped: ${missing}` })
          if (run === 1) log(`${id} ${mode}: skipped (${missing})`)
          continue
        }
        log(`[run ${run}/${options.runs}] ${id} ${mode}`)
        try {
          for (const payload of await runChild(id, mode, run, options))
            if ('result' in payload) addRow(key, payload.result)
        } catch (error) {
          failures.push((error as Error).message)
          log((error as Error).message)
        }
      }
    }
  }

  const results: BenchResult[] = []
  for (const id of options.workloads) {
    for (const mode of modes) {
      for (const list of runs.get(`${id}\0${mode}`)?.values() ?? []) if (list.length > 0) results.push(medianRow(list))
    }
  }
  const ceilingOf = (mode: Mode): number | null => round(median(ceilings.get(mode) ?? []), 0)
  const w1 = (mode: Mode): number | null =>
    results.find((r) => r.workload === 'W1' && r.mode === mode)?.steps_per_s ?? null
  const fraction = (a: number | null, b: number | null): number | null =>
    a === null || b === null ? null : round(a / b, 4)
  const report: Report = {
    results,
    ceiling: {
      sqlite_txn_per_s: ceilingOf('sqlite'),
      sqlite_full_txn_per_s: ceilingOf('sqlite-full'),
      w1_sqlite_fraction: fraction(w1('sqlite'), ceilingOf('sqlite')),
      w1_sqlite_full_fraction: fraction(w1('sqlite-full'), ceilingOf('sqlite-full')),
    },
    runs: options.runs,
    size: options.size,
    started_at: startedAt.toISOString(),
    load_avg: { start: loadStart.map((l) => round(l, 2)!), end: loadavg().map((l) => round(l, 2)!) },
    cpus: cpus().length,
    node: process.version,
    skipped,
    failures,
  }
  if (options.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
  else process.stdout.write(formatReport(report))
  if (failures.length > 0) log(`bench: ${failures.length} task(s) failed; see above`)
  return failures.length > 0 ? 1 : 0
}

try {
  process.exitCode = await main()
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 2
}
