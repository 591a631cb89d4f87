/**
 * What every workload of the suite shares: the modes (which store, which durability), opening an engine through
 * the public API, the user-registered actions the steps run, percentiles, and the result row.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { createEngine } from '../src/create-engine.js'
import type { Engine } from '../src/engine/index.js'
import { openStore } from '../src/open-store.js'

/**
 * `sqlite`: a temp file with the defaults users get (WAL, `synchronous=NORMAL`); `sqlite-full`: the same with
 * `synchronous=FULL`; `memory`: SQLite `:memory:`; `postgres`: TRELLIS_BENCH_PG_URL when the store supports it.
 */
export type Mode = 'sqlite' | 'sqlite-full' | 'memory' | 'postgres'
export const MODES: readonly Mode[] = ['sqlite', 'sqlite-full', 'memory', 'postgres']

export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/test'

/** The PostgreSQL database the `postgres` mode uses. */
export function postgresUrl(): string {
  return process.env.TRELLIS_BENCH_PG_URL ?? DEFAULT_PG_URL
}

/** One row of `--json`'s `results`; a field that does not apply to the workload is null. */
export interface BenchResult {
  workload: string
  mode: Mode
  steps_per_s: number | null
  wall_ms: number | null
  p50_ms: number | null
  p99_ms: number | null
  wake_p50_ms: number | null
  wake_p99_ms: number | null
  peak_rss_mb: number | null
  /** Why a number is missing (a mode that does not apply, a workload stopped at the time cap). */
  note?: string
}

/** An engine on a fresh database of the mode, and how to reach that database from another process. */
export interface BenchEngine {
  readonly engine: Engine
  readonly mode: Mode
  /** The `db` value another process opens to reach the same database (null for `:memory:`). */
  readonly db: string | null
  /** The temp directory of a file mode (removed by `close`), else null. */
  readonly tempDir: string | null
  /** The PostgreSQL schema of the `postgres` mode (dropped by `close`), else null. */
  readonly schema: string | null
  /** What the registered actions observed. */
  readonly probe: ActionProbe
  close(): Promise<void>
}

/** The actions the workloads' steps run, registered by the user (the caller), as `createEngine({ actions })`. */
export interface BenchActions {
  readonly [name: string]: (input: never, ctx: never) => unknown
}

/** What the actions let the workloads observe: calls so far, and when the timed one last returned. */
export interface ActionProbe {
  /** Calls of `bench.inc` and `bench.inc_timed` so far. */
  calls: number
  /** `performance.now()` right before `bench.inc_timed` returned. */
  returnedAt: number
}

/** The outputs of the steps before the collecting step, as `{{ steps }}` renders them. */
type StepsScope = Record<string, { status: string; output: unknown }>

/**
 * The user's actions: `bench.inc` is the step every workload runs (`x + 1`); `bench.inc_timed` is the same and notes
 * when its body returns (W3); `bench.collect` is W2's last step, which gets every step's output and sums them.
 */
export function benchActions(): { actions: BenchActions; probe: ActionProbe } {
  const probe: ActionProbe = { calls: 0, returnedAt: 0 }
  const actions = {
    'bench.inc': (input: { x: number }): number => {
      probe.calls++
      return input.x + 1
    },
    'bench.inc_timed': (input: { x: number }): number => {
      probe.calls++
      const output = input.x + 1
      probe.returnedAt = performance.now()
      return output
    },
    'bench.collect': (input: { steps: StepsScope }): { count: number; sum: number } => {
      let count = 0
      let sum = 0
      for (const step of Object.values(input.steps)) {
        if (step.status !== 'completed') continue
        count++
        sum += step.output as number
      }
      return { count, sum }
    },
  }
  return { actions, probe }
}

/**
 * Opens an engine for `mode` through the public API: `openStore` (which applies the store's pragmas and migrates)
 * and `createEngine({ db: store, actions })` with {@link benchActions}. A file mode gets a fresh temp directory, removed on close.
 */
export async function openBenchEngine(mode: Mode): Promise<BenchEngine> {
  let dir: string | null = null
  let schema: string | null = null
  let db: string
  switch (mode) {
    case 'sqlite':
    case 'sqlite-full':
      dir = mkdtempSync(join(tmpdir(), 'trellis-bench-'))
      db = join(dir, 'trellis.db')
      break
    case 'memory':
      db = ':memory:'
      break
    case 'postgres': {
      // A schema of its own (the store creates it), dropped on close: nothing is left in the shared database.
      schema = benchSchemaName()
      db = postgresUrlWithSchema(schema)
      break
    }
  }
  // `sqlite` passes no `synchronous`: whatever the default is, that is what users get.
  const store = await openStore(db, { synchronous: mode === 'sqlite-full' ? 'FULL' : undefined })
  if (store === null) throw new Error(`unreachable: openStore(${db}) created nothing`)
  const { actions, probe } = benchActions()
  const engine = await createEngine({ db: store, actions })
  return {
    engine,
    mode,
    db: mode === 'memory' ? null : db,
    tempDir: dir,
    schema,
    probe,
    async close() {
      try {
        await engine.close()
      } finally {
        await store.close()
        if (dir !== null) rmSync(dir, { recursive: true, force: true })
        if (schema !== null) await dropSchema(schema)
      }
    },
  }
}

/** A fresh schema name for one process's PostgreSQL database. */
export function benchSchemaName(): string {
  return `trellis_bench_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
}

/** TRELLIS_BENCH_PG_URL with `?schema=` set (the store creates the schema when missing). */
export function postgresUrlWithSchema(schema: string): string {
  const url = new URL(postgresUrl())
  url.searchParams.set('schema', schema)
  return url.toString()
}

/** Drops a schema the `postgres` mode created (pg directly: the store has no such operation, rightly). */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl() })
  await client.connect()
  try {
    await client.query(`drop schema if exists "${schema}" cascade`)
  } finally {
    await client.end()
  }
}

/** Nearest-rank percentile (p in 0..100) of unsorted samples; null when there are none. */
export function percentile(samples: readonly number[], p: number): number | null {
  if (samples.length === 0) return null
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[rank - 1]!
}

/** Milliseconds since an arbitrary origin, shared by every process of this machine (timeOrigin is wall clock). */
export function sharedNow(): number {
  return performance.timeOrigin + performance.now()
}

/** This process's peak resident set size so far, in MB. */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024
}

/** Throws a loud error when a workload's output is not what it must be. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`bench: wrong result: ${message}`)
}

/** A result row with every field null, to fill in. */
export function emptyResult(workload: string, mode: Mode): BenchResult {
  return {
    workload,
    mode,
    steps_per_s: null,
    wall_ms: null,
    p50_ms: null,
    p99_ms: null,
    wake_p50_ms: null,
    wake_p99_ms: null,
    peak_rss_mb: null,
  }
}

/** Rounds to `digits` decimals (null stays null). */
export function round(value: number | null, digits = 2): number | null {
  if (value === null) return null
  const f = 10 ** digits
  return Math.round(value * f) / f
}
