import { afterEach, describe, expect, it } from 'vitest'
import { createTestEngine, FakeClock, type TestEngine } from '../../src/testing/index.js'
import { runWorker, type Worker } from '../../src/worker/index.js'
import { testWorkflow } from '../support/workflow.js'

let open: { t: TestEngine; worker: Worker }[] = []
afterEach(async () => {
  for (const { t, worker } of open) {
    await worker.stop()
    await t.close()
  }
  open = []
})

describe('a worker and the executions it released', () => {
  it('pausing a parked execution does not make the worker decide on it again and again', async () => {
    const clock = new FakeClock()
    const t = await createTestEngine({ clock })
    const worker = runWorker(t.engine, { pollMs: 60_000 })
    open.push({ t, worker })
    let decisions = 0
    const decideUnheld = t.engine.store.decideUnheld.bind(t.engine.store)
    t.engine.store.decideUnheld = async (request) => {
      decisions++
      return decideUnheld(request)
    }
    const record = await t.engine.create(testWorkflow({ w: { wait: { signal: 'go' } } }))
    t.engine.onCapacity?.() // what `serve` does after it creates an execution
    await t.until('execution.suspended')
    await t.engine.pause(record.id, 'hold')
    await t.until('execution.paused')
    const afterPause = decisions
    // Real time passes (the store's change check runs); the fake clock stands still, so only news could wake it.
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(decisions).toBeGreaterThan(0)
    expect(decisions - afterPause).toBeLessThanOrEqual(1)
    const row = await t.engine.store.findExecution(record.id)
    expect(row).toMatchObject({ status: 'paused' })
    expect(row!.seenInbox).toBe(row!.inbox)
  })
})
