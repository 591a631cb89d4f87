/**
 * W4: one `for_each` step over N items (`inputs.items`, the numbers 0 … N-1) with `concurrency: 100`, each
 * iteration `bench.inc` of its item. Measures wall time (start to the caller's `await` resuming) and the process's
 * peak RSS; the suite runs it at 100,000 and 10,000 items to show how cost grows.
 */
import { defineWorkflow, type Workflow } from '../src/definition/index.js'
import type { Execution } from '../src/engine/index.js'
import { check, type BenchEngine } from './common.js'

export interface W4Params {
  readonly items: number
  /** @default 100 */
  readonly concurrency: number
}

export const W4_100K: W4Params = { items: 100_000, concurrency: 100 }
export const W4_10K: W4Params = { items: 10_000, concurrency: 100 }

export interface W4Outcome {
  readonly wallMs: number
  readonly execution: Execution
}

/** One step `each` over `inputs.items`; the step's output is the array of the iterations' outputs. */
export function forEachWorkflow(concurrency: number): Workflow {
  return defineWorkflow(`bench-w4-${concurrency}`, { inputs: { items: { type: 'array' } } }, (w) => {
    w.action('each', 'bench.inc', { forEach: w.input('items'), concurrency, with: { x: '{{ item }}' } })
  })
}

export async function runW4(bench: BenchEngine, params: W4Params): Promise<W4Outcome> {
  const workflow = forEachWorkflow(params.concurrency)
  const items = Array.from({ length: params.items }, (_, i) => i)
  const started = performance.now()
  const execution = await bench.engine.run(workflow, { items })
  const wallMs = performance.now() - started
  check(execution.status === 'completed', `W4 execution ended ${execution.status}`)
  const output = execution.steps.each?.output
  check(Array.isArray(output), `W4 output is ${typeof output}, expected an array`)
  check(output.length === params.items, `W4 output has ${output.length} elements, expected ${params.items}`)
  for (let i = 0; i < output.length; i++) {
    if (output[i] !== i + 1) check(false, `W4 output[${i}] is ${JSON.stringify(output[i])}, expected ${i + 1}`)
  }
  return { wallMs, execution }
}
