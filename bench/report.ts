/** The suite's report: the `--json` document, and the table printed by default. */
import type { BenchResult, Mode } from './common.js'

export interface Report {
  results: BenchResult[]
  ceiling: {
    /** Raw SQLite write transactions/s, synchronous=NORMAL (the engine's default pragmas). */
    sqlite_txn_per_s: number | null
    /** The same with synchronous=FULL. */
    sqlite_full_txn_per_s: number | null
    /** W1 sqlite steps/s ÷ sqlite_txn_per_s. */
    w1_sqlite_fraction: number | null
    /** W1 sqlite-full steps/s ÷ sqlite_full_txn_per_s. */
    w1_sqlite_full_fraction: number | null
  }
  runs: number
  /** `smoke`: tiny sizes (for tests); the targets do not apply. */
  size: 'full' | 'smoke'
  started_at: string
  load_avg: { start: number[]; end: number[] }
  cpus: number
  node: string
  skipped: { mode: Mode; reason: string }[]
  failures: string[]
}

interface Target {
  readonly text: string
  met(row: BenchResult): boolean | null
}

const atLeast = (value: number | null, target: number): boolean | null => (value === null ? null : value >= target)
const atMost = (value: number | null, target: number): boolean | null => (value === null ? null : value <= target)
const both = (a: boolean | null, b: boolean | null): boolean | null => (a === null || b === null ? null : a && b)

/** Issue 6's targets (2 cores); the headline numbers are the `sqlite` mode's. */
const TARGETS: Readonly<Record<string, Target>> = {
  'W1 sqlite': { text: '≥ 10,000 steps/s', met: (r) => atLeast(r.steps_per_s, 10_000) },
  'W1 memory': { text: '≥ 25,000 steps/s', met: (r) => atLeast(r.steps_per_s, 25_000) },
  'W1 postgres': { text: '≥ 2,500 steps/s', met: (r) => atLeast(r.steps_per_s, 2_500) },
  'W2 sqlite': { text: '≤ 100 ms', met: (r) => atMost(r.wall_ms, 100) },
  'W3 sqlite': {
    text: 'wake p50 ≤ 0.15, p99 ≤ 0.5 ms',
    met: (r) => both(atMost(r.wake_p50_ms, 0.15), atMost(r.wake_p99_ms, 0.5)),
  },
  'W4-100k sqlite': {
    text: '≤ 20 s, ≤ 512 MB',
    met: (r) => both(atMost(r.wall_ms, 20_000), atMost(r.peak_rss_mb, 512)),
  },
}

export function targetOf(row: BenchResult): Target | undefined {
  return TARGETS[`${row.workload} ${row.mode}`]
}

function num(value: number | null, digits = 0): string {
  if (value === null) return '–'
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

/** Milliseconds: 3 decimals below 1, 2 below 10, 1 below 1,000, none above. */
function msText(value: number | null): string {
  if (value === null) return '–'
  if (value < 1) return num(value, 3)
  if (value < 10) return num(value, 2)
  if (value < 1000) return num(value, 1)
  return num(value, 0)
}

function table(header: readonly string[], rows: readonly (readonly string[])[], leftColumns: number): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i < leftColumns || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd()
  return [line(header), ...rows.map(line)].join('\n')
}

const percent = (fraction: number | null): string => (fraction === null ? '–' : `${(fraction * 100).toFixed(1)} %`)

/** The human-readable report: the table, the ceiling and its ratio, W4's growth, the machine's load. */
export function formatReport(report: Report): string {
  const out: string[] = []
  const load = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ')
  out.push(
    `Trellis benchmark, ${report.started_at}: median of ${report.runs} run(s); ${report.cpus} CPUs, node ${report.node}; ` +
      `load average (1/5/15 min) ${load(report.load_avg.start)} at start, ${load(report.load_avg.end)} at end`,
    '',
  )
  if (report.size === 'smoke') out.push('SMOKE SIZES (a test of the suite, not a measurement): no targets apply', '')
  const header = [
    'workload',
    'mode',
    'steps/s',
    'wall ms',
    'p50 ms',
    'p99 ms',
    'wake p50',
    'wake p99',
    'RSS MB',
    'target',
  ]
  const notes: string[] = []
  const rows = report.results.map((r) => {
    const target = report.size === 'full' ? targetOf(r) : undefined
    const met = target?.met(r)
    let targetText =
      target === undefined ? '' : `${target.text} ${met === true ? 'met' : met === false ? 'MISSED' : ''}`
    if (r.note !== undefined) {
      notes.push(`${r.workload} ${r.mode}: ${r.note}`)
      targetText += ` [${notes.length}]`
    }
    return [
      r.workload,
      r.mode,
      num(r.steps_per_s),
      msText(r.wall_ms),
      msText(r.p50_ms),
      msText(r.p99_ms),
      msText(r.wake_p50_ms),
      msText(r.wake_p99_ms),
      num(r.peak_rss_mb),
      targetText.trim(),
    ]
  })
  out.push(table(header, rows, 2), '')
  const c = report.ceiling
  const w1 = (mode: Mode): number | null =>
    report.results.find((r) => r.workload === 'W1' && r.mode === mode)?.steps_per_s ?? null
  const ratio = (mode: Mode, fraction: number | null): string =>
    fraction === null ? '' : `; W1 ${mode} ${num(w1(mode))} steps/s = ${percent(fraction)} of it`
  if (c.sqlite_txn_per_s !== null || c.sqlite_full_txn_per_s !== null) {
    out.push('SQLite ceiling: BEGIN IMMEDIATE; insert 1 small row; COMMIT, on a file with the engine’s pragmas')
    if (c.sqlite_txn_per_s !== null) {
      out.push(`  synchronous=NORMAL  ${num(c.sqlite_txn_per_s)} txn/s${ratio('sqlite', c.w1_sqlite_fraction)}`)
    }
    if (c.sqlite_full_txn_per_s !== null) {
      out.push(
        `  synchronous=FULL    ${num(c.sqlite_full_txn_per_s)} txn/s${ratio('sqlite-full', c.w1_sqlite_full_fraction)}`,
      )
    }
    out.push('')
  }
  for (const mode of new Set(report.results.map((r) => r.mode))) {
    const big = report.results.find((r) => r.workload === 'W4-100k' && r.mode === mode)?.wall_ms ?? null
    const small = report.results.find((r) => r.workload === 'W4-10k' && r.mode === mode)?.wall_ms ?? null
    if (big !== null && small !== null) {
      out.push(`W4 growth (${mode}): 100k wall / 10k wall = ${(big / small).toFixed(1)}× (target ≤ 12×)`)
    }
  }
  for (const s of report.skipped) out.push(`skipped ${s.mode}: ${s.reason}`)
  for (const [i, note] of notes.entries()) out.push(`[${i + 1}] ${note}`)
  for (const f of report.failures) out.push(`FAILED: ${f.split('\n')[0]}`)
  return `${out.join('\n').trimEnd()}\n`
}
