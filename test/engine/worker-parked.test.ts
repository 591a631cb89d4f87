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
  it('pausing a parked execution does not make the worker claim it again and again', async () => {
    const clock = new FakeClock()
    const t = await createTestEngine({ clock })
    const worker = runWorker(t.engine, { pollMs: 60_000 })
    open.push({ t, worker })
    let claims = 0
    const claimDue = t.engine.store.claimDue.bind(t.engine.store)
    t.engine.store.claimDue = async (...args) => {
      const leases = await claimDue(...args)
      claims += leases.length
      return leases
    }
    const record = await t.engine.create(testWorkflow({ w: { wait: { signal: 'go' } } }))
    t.engine.onCapacity?.() // what `serve` does after it creates an execution
    await t.until('execution.suspended')
    await t.engine.pause(record.id, 'hold')
    await t.until('execution.paused')
    const afterPause = claims
    // Real time passes (the store's change check runs); the fake clock stands still, so only news could claim.
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(claims - afterPause).toBeLessThanOrEqual(1)
    const row = await t.engine.store.findExecution(record.id)
    expect(row).toMatchObject({ status: 'paused' })
    expect(row!.seenInbox).toBe(row!.inbox)
  })
})
