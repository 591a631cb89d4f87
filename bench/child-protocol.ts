/** How a child (`bench/child.ts`) talks to the parent (`bench/run.ts`): lines on stdout. */
import type { BenchResult } from './common.js'

export const RESULT_PREFIX = 'BENCH_RESULT '

/** Printed once the database is open: what to remove should the child be killed. */
export const CLEANUP_PREFIX = 'BENCH_CLEANUP '

/** A child's temp directory and PostgreSQL schema (null when it has none). */
export interface Leftovers {
  readonly dir: string | null
  readonly schema: string | null
}

/** A workload's row, or the ceiling's transactions per second. */
export type ChildPayload = { result: BenchResult } | { ceiling: number }
