import { afterEach, describe, expect, it } from 'vitest'
import { createActionRegistry } from '../../src/actions/index.js'
import { createTestEngine, type TestEngine } from '../../src/testing/index.js'
import { testWorkflow } from '../support/workflow.js'

let open: TestEngine[] = []
afterEach(async () => {
  await Promise.all(open.map((t) => t.close()))
  open = []
})

describe('the engine and the event loop', () => {
  it('lets timers and I/O run while executions with synchronous actions keep it busy', async () => {
    const actions = createActionRegistry()
    actions.register('inc', (input: { x: number }) => input.x + 1, 'test')
    const t = await createTestEngine({ actions })
    open.push(t)
    const steps: Record<string, { action: string; with: unknown; needs?: string[] }> = {}
    for (let i = 0; i < 200; i++) {
      steps[`s${i}`] = {
        action: 'inc',
        with: { x: i === 0 ? 0 : `{{ steps.s${i - 1}.output }}` },
        ...(i > 0 ? { needs: [`s${i - 1}`] } : {}),
      }
    }
    let timerFiredAfterSteps: number | null = null
    let completed = 0
    t.engine.events.on('step.completed', () => completed++)
    setTimeout(() => (timerFiredAfterSteps = completed), 1)
    const execution = await t.engine.run(testWorkflow(steps))
    expect(execution.steps.s199?.output).toBe(200)
    // The 1 ms timer fired long before the 200 synchronous steps were done (it could not, before the fix).
    expect(timerFiredAfterSteps).not.toBeNull()
    expect(timerFiredAfterSteps!).toBeLessThan(200)
  })
})
