/** How a child (`bench/child.ts`) hands its result to the parent (`bench/run.ts`): one line on stdout. */
import type { BenchResult } from './common.js'

export const RESULT_PREFIX = 'BENCH_RESULT '

/** A workload's row, or the ceiling's transactions per second. */
export type ChildPayload = { result: BenchResult } | { ceiling: number }
