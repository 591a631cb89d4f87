import { readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadWorkflowFile } from '../src/definition/index.js'
import type { Engine } from '../src/engine/index.js'
import { createTestEngine, type TestEngine } from '../src/testing/index.js'

/** Every file in examples/ loads, validates against the real action registry, and runs to the expected end. */
const EXAMPLES = resolve(import.meta.dirname, '../examples')

/** `signals` are sent right after the start, before the execution reaches its waits (they are kept for them). */
const EXPECTED: Record<
  string,
  { inputs?: Record<string, unknown>; signals?: [string, unknown][]; outputs: Record<string, unknown> }
> = {
  'hello.yaml': { outputs: { greeting: 'Hello, world!', shouted: 'HELLO, WORLD!\n' } },
  'order-pipeline.yaml': {
    inputs: { order_id: 'A1' },
    outputs: { message: 'order A1 charged 20, packed 2 items', charged: true },
  },
  'data-sync.yaml': { outputs: { report: 'synced 4 records', first: { id: 1, name: 'ada!', position: 0 } } },
  'approval.yaml': {
    inputs: { change: 'v2.3 to production' },
    signals: [['approval', { by: 'ann' }]],
    outputs: { approved: true, result: 'v2.3 to production approved by ann' },
  },
  'runbook.yaml': {
    outputs: { report: expect.stringMatching(/^disk at \d+% \(threshold 101%\), cleanup completed\n$/) },
  },
}

let t: TestEngine
let engine: Engine
beforeAll(async () => {
  t = await createTestEngine()
  engine = t.engine
})
afterAll(() => t.close())

describe('examples', () => {
  const files = readdirSync(EXAMPLES).filter((f) => /\.(ya?ml|json)$/.test(f))

  it('has an expectation for every example', () => {
    expect(files.filter((f) => EXPECTED[f] === undefined && !f.startsWith('child-'))).toEqual([])
  })

  for (const file of files.filter((f) => EXPECTED[f] !== undefined)) {
    it(`${file} runs to completion with the documented outputs`, async () => {
      const workflow = await loadWorkflowFile(join(EXAMPLES, file), { isKnownAction: (n) => engine.actions.has(n) })
      const expected = EXPECTED[file]!
      const handle = await engine.start(workflow, expected.inputs ?? {})
      for (const [topic, data] of expected.signals ?? []) await engine.signal(handle.id, topic, data)
      const execution = await handle.result()
      expect(execution.error).toBeNull()
      expect(execution.status).toBe('completed')
      expect(execution.outputs).toEqual(expected.outputs)
    })
  }

  it('hello.ts (the README TypeScript example) runs a builder workflow', async () => {
    const { main } = await import('../examples/hello.js')
    expect(await main()).toBe('Hello, Ada!')
  })

  it('order-pipeline compensates with refund when the charge fails for good', async () => {
    const workflow = await loadWorkflowFile(join(EXAMPLES, 'order-pipeline.yaml'))
    const execution = await engine.run(workflow, { order_id: 'B2', charge_failures: 5 })
    expect(execution.steps.charge).toMatchObject({ status: 'failed', attempts: 3 })
    expect(execution.steps.refund).toMatchObject({ status: 'completed', output: 'refunded B2' })
    expect(execution.steps.notify?.status).toBe('skipped')
    expect(execution.status).toBe('completed')
  })
})
