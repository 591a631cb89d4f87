import { afterEach, describe, expect, it } from 'vitest'
import { createTestEngine, FakeClock, type TestEngine } from '../../src/testing/index.js'
import { systemClock, type Clock } from '../../src/util/index.js'
import { realSleep } from '../support/wait.js'
import { testWorkflow } from '../support/workflow.js'
import { backends } from '../support/postgres.js'

/**
 * Regression: Node's setTimeout fires after 1 ms for any delay over 2^31-1 ms (about 24.8 days). Workflows wait
 * for days, so the engine's timers must not inherit that: on the real clock a `timeout: 30d` attempt timed out at
 * once, and a `sleep: 30d` re-armed its wake-up every millisecond (a busy loop) until the engine closed.
 */
const DAY = 86_400_000

let open: TestEngine[] = []
afterEach(async () => {
  await Promise.all(open.map((t) => t.close()))
  open = []
})

/** The system clock, counting the timers armed through it. */
function countingClock(): Clock & { armed: number } {
  const clock = {
    armed: 0,
    now: () => systemClock.now(),
    sleep: (ms: number, signal?: AbortSignal) => systemClock.sleep(ms, signal),
    setTimer(ms: number, fn: () => void) {
      clock.armed++
      return systemClock.setTimer(ms, fn)
    },
  }
  return clock
}

describe.each(backends)('on $name', (backend) => {
  describe('timers longer than 24.8 days, on the real clock', () => {
    it('an attempt with a 30-day timeout is not timed out at once', async () => {
      const t = await createTestEngine({ store: await backend.open() })
      open.push(t)
      const wf = testWorkflow({ nap: { action: 'core.sleep', with: { duration: '50ms' }, timeoutMs: 30 * DAY } })
      const execution = await t.engine.run(wf)
      expect(execution.error).toBeNull()
      expect(execution.status).toBe('completed')
    })

    it('a 30-day sleep arms one wake-up, not one per millisecond', async () => {
      const clock = countingClock()
      const t = await createTestEngine({ clock, store: await backend.open(clock) })
      open.push(t)
      const handle = await t.engine.start(testWorkflow({ nap: { sleep: '30d' } }))
      await t.until('execution.suspended')
      const armed = clock.armed
      await realSleep(200)
      expect(clock.armed - armed).toBeLessThanOrEqual(1)
      const row = await t.engine.store.findExecution(handle.id)
      expect(row?.status).toBe('suspended')
    })

    it('on a fake clock, a 40-day sleep still ends exactly when due', async () => {
      const clock = new FakeClock()
      // A long lease, so the fake 40 days hold a few heartbeats rather than hundreds of thousands.
      const t = await createTestEngine({ clock, leaseMs: 20 * DAY, store: await backend.open(clock) })
      open.push(t)
      const handle = await t.engine.start(testWorkflow({ nap: { sleep: '40d' } }))
      await t.until('execution.suspended')
      await clock.advance(40 * DAY - 1)
      expect((await t.engine.get(handle.id)).status).toBe('suspended')
      await clock.advance(1)
      await expect(handle.result()).resolves.toMatchObject({ status: 'completed' })
    })
  })
})
