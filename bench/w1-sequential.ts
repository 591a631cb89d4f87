/**
 * W1: many executions of a sequential workflow, a bounded number in flight. Each step is `bench.inc` with its input
 * taken from the previous step's output by a template, so the final value is the number of steps (from 0).
 * Measures steps/s over the whole run and each execution's start-to-result latency.
 */
import { defineWorkflow, type StepHandle, type Workflow } from '../src/definition/index.js'
import { check, type BenchEngine } from './common.js'

export interface W1Params {
  /** Executions in all. @default 200 */
  readonly executions: number
  /** Most executions in flight at once. @default 20 */
  readonly inFlight: number
  /** Steps per execution. @default 10 */
  readonly steps: number
}

export const W1_FULL: W1Params = { executions: 200, inFlight: 20, steps: 10 }

export interface W1Outcome {
  readonly wallMs: number
  readonly stepsPerS: number
  /** Start-to-result latency of each execution, ms. */
  readonly latenciesMs: readonly number[]
  readonly executionIds: readonly string[]
}

/** `s1` … `sN`, each `x + 1` of the one before, starting from `inputs.start`; output `value`. */
export function sequentialWorkflow(steps: number): Workflow {
  return defineWorkflow(`bench-w1-${steps}`, { inputs: { start: { type: 'number', default: 0 } } }, (w) => {
    let previous: StepHandle = w.action('s1', 'bench.inc', { with: { x: w.input('start') } })
    for (let i = 2; i <= steps; i++) {
      previous = w.action(`s${i}`, 'bench.inc', { with: { x: previous.output }, needs: [previous] })
    }
    w.output('value', previous.output)
  })
}

export async function runW1(bench: BenchEngine, params: W1Params = W1_FULL): Promise<W1Outcome> {
  const workflow = sequentialWorkflow(params.steps)
  const latenciesMs: number[] = []
  const executionIds: string[] = []
  let next = 0
  const lane = async (): Promise<void> => {
    while (next < params.executions) {
      next++
      const started = performance.now()
      const execution = await bench.engine.run(workflow, { start: 0 })
      latenciesMs.push(performance.now() - started)
      executionIds.push(execution.id)
      check(execution.status === 'completed', `W1 execution ${execution.id} ended ${execution.status}`)
      check(
        execution.outputs.value === params.steps,
        `W1 final value ${JSON.stringify(execution.outputs.value)}, expected ${params.steps}`,
      )
    }
  }
  const started = performance.now()
  await Promise.all(Array.from({ length: Math.min(params.inFlight, params.executions) }, lane))
  const wallMs = performance.now() - started
  return { wallMs, stepsPerS: (params.executions * params.steps * 1000) / wallMs, latenciesMs, executionIds }
}
