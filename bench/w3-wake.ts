/**
 * W3: executions of a one-step workflow, one after another (`engine.run`). Measures the time from the step's body
 * returning (`bench.inc_timed` notes `performance.now()` right before `return`) to the caller's `await` resuming,
 * and each execution's start-to-result latency.
 */
import { defineWorkflow, type Workflow } from '../src/definition/index.js'
import { check, type BenchEngine } from './common.js'

export interface W3Params {
  /** Executions, one after another. @default 200 */
  readonly executions: number
}

export const W3_FULL: W3Params = { executions: 200 }

export interface W3Outcome {
  readonly wallMs: number
  /** Step body returned → caller resumed, ms. */
  readonly wakeMs: readonly number[]
  /** `engine.run` called → caller resumed, ms. */
  readonly latenciesMs: readonly number[]
  readonly executionIds: readonly string[]
}

/** One step, `x + 1` of `inputs.x`; output `value`. */
export function oneStepWorkflow(): Workflow {
  return defineWorkflow('bench-w3', { inputs: { x: { type: 'number' } } }, (w) => {
    const step = w.action('inc', 'bench.inc_timed', { with: { x: w.input('x') } })
    w.output('value', step.output)
  })
}

export async function runW3(bench: BenchEngine, params: W3Params = W3_FULL): Promise<W3Outcome> {
  const workflow = oneStepWorkflow()
  const wakeMs: number[] = []
  const latenciesMs: number[] = []
  const executionIds: string[] = []
  const first = performance.now()
  for (let i = 0; i < params.executions; i++) {
    bench.probe.returnedAt = Number.NaN
    const started = performance.now()
    const execution = await bench.engine.run(workflow, { x: i })
    const resumed = performance.now()
    check(execution.status === 'completed', `W3 execution ${execution.id} ended ${execution.status}`)
    check(execution.outputs.value === i + 1, `W3 output ${JSON.stringify(execution.outputs.value)}, expected ${i + 1}`)
    check(!Number.isNaN(bench.probe.returnedAt), `W3 step of ${execution.id} did not run in this process`)
    wakeMs.push(resumed - bench.probe.returnedAt)
    latenciesMs.push(resumed - started)
    executionIds.push(execution.id)
  }
  return { wallMs: performance.now() - first, wakeMs, latenciesMs, executionIds }
}
