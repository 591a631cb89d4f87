/**
 * W2: one execution of N parallel steps (`bench.inc` of their index), then one step that needs all of them and
 * gets every output through `{{ steps }}` (`bench.collect`). Measures the execution's wall time.
 */
import { defineWorkflow, type Workflow } from '../src/definition/index.js'
import type { Execution } from '../src/engine/index.js'
import { check, type BenchEngine } from './common.js'

export interface W2Params {
  /** Parallel steps. @default 1000 */
  readonly parallel: number
}

export const W2_FULL: W2Params = { parallel: 1_000 }

export interface W2Outcome {
  readonly wallMs: number
  readonly execution: Execution
}

/** `p0` … `pN-1` (outputs 1 … N), then `all`, which needs every one; outputs `count` and `sum` of what it saw. */
export function fanInWorkflow(parallel: number): Workflow {
  return defineWorkflow(`bench-w2-${parallel}`, {}, (w) => {
    const branches = Array.from({ length: parallel }, (_, i) => w.action(`p${i}`, 'bench.inc', { with: { x: i } }))
    w.action('all', 'bench.collect', { with: { steps: '{{ steps }}' }, needs: branches })
    w.output('count', '{{ steps.all.output.count }}')
    w.output('sum', '{{ steps.all.output.sum }}')
  })
}

export async function runW2(bench: BenchEngine, params: W2Params = W2_FULL): Promise<W2Outcome> {
  const workflow = fanInWorkflow(params.parallel)
  const started = performance.now()
  const execution = await bench.engine.run(workflow)
  const wallMs = performance.now() - started
  check(execution.status === 'completed', `W2 execution ended ${execution.status}`)
  check(
    execution.outputs.count === params.parallel,
    `W2's last step saw ${JSON.stringify(execution.outputs.count)} outputs, expected ${params.parallel}`,
  )
  const sum = (params.parallel * (params.parallel + 1)) / 2
  check(execution.outputs.sum === sum, `W2 outputs sum to ${JSON.stringify(execution.outputs.sum)}, expected ${sum}`)
  return { wallMs, execution }
}
