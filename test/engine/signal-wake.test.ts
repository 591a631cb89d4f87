import { afterEach, describe, expect, it } from 'vitest'
import { createTestEngine, FakeClock, type TestEngine } from '../../src/testing/index.js'
import { waitUntil } from '../support/wait.js'
import { testWorkflow } from '../support/workflow.js'
import { backends } from '../support/postgres.js'

/**
 * Issue 4: a process that runs an execution notices a signal that another process delivered promptly, through
 * change detection (SQLite: `PRAGMA data_version`, checked by the store on a short real interval; PostgreSQL:
 * LISTEN/NOTIFY), not by a timer
 * of its own. Two engines with two stores on one file stand for the two processes. The holder's clock is fake and
 * never moves, so none of its timers (wake-ups, heartbeat, waits) can fire: only the store's change check can wake it.
 */
let open: TestEngine[] = []
afterEach(async () => {
  await Promise.all(open.map((t) => t.close()))
  open = []
})

/** A FakeClock that counts the timers that fired. */
class CountingClock extends FakeClock {
  fired = 0
  override setTimer(ms: number, fn: () => void): () => void {
    return super.setTimer(ms, () => {
      this.fired++
      fn()
    })
  }
}

describe.each(backends)('on $name', (backend) => {
  describe('a signal from another process', () => {
    it('wakes the holder through the change check, with no timer of the holder firing', async () => {
      const holderClock = new CountingClock()
      const openShared = backend.shared(holderClock)
      const holder = await createTestEngine({ clock: holderClock, store: await openShared() })
      open.push(holder)
      // Count the store's change notifications to the holder (wrapping the subscription before anything subscribes).
      const store = holder.engine.store
      const subscribe = store.onExternalChange.bind(store)
      const changes: number[] = []
      store.onExternalChange = (listener) =>
        subscribe(() => {
          changes.push(performance.now())
          listener()
        })

      const wf = testWorkflow(
        {
          approve: { wait: { signal: 'approval' } },
          after: { needs: ['approve'], action: 'core.echo', with: { value: 'done' } },
        },
        { outputs: { by: '{{ steps.approve.output.by }}' } },
      )
      const handle = await holder.engine.start(wf)
      await holder.until('execution.suspended')
      const now = holderClock.now()
      const pending = holderClock.pendingTimers
      expect(pending, 'the heartbeat is armed, and can only fire when the fake clock moves').toBeGreaterThan(0)

      const sender = await createTestEngine({ clock: new FakeClock(now + 5_000), store: await openShared() })
      open.push(sender)
      const sentAt = performance.now()
      await sender.engine.signal(handle.id, 'approval', { by: 'ann' })
      const execution = await handle.result()
      const endedAt = performance.now()

      expect(execution).toMatchObject({ status: 'completed', outputs: { by: 'ann' } })
      expect(holderClock.fired, 'no timer of the holder fired').toBe(0)
      expect(holderClock.now(), 'the holder clock did not move').toBe(now)
      expect(holderClock.pendingTimers, 'its heartbeat is still waiting').toBeGreaterThanOrEqual(pending)
      const wokenBy = changes.filter((at) => at >= sentAt)
      expect(wokenBy.length, 'the store reported the other process commit').toBeGreaterThan(0)
      expect(wokenBy[0]! - sentAt).toBeLessThan(500)
      expect(endedAt - sentAt).toBeLessThan(1_000)
      console.info(
        `cross-store signal: change noticed after ${(wokenBy[0]! - sentAt).toFixed(1)} ms, ` +
          `execution completed after ${(endedAt - sentAt).toFixed(1)} ms`,
      )
      // The holder took the signal exactly once and wrote the whole rest of the run itself.
      const types = holder.events.filter((e) => e.execution_id === handle.id).map((e) => e.type)
      expect(types.slice(-5)).toEqual([
        'execution.resumed',
        'step.completed',
        'step.started',
        'step.completed',
        'execution.completed',
      ])
    })

    it('is not noticed while the holder has no change check running (control: the wake above is the check)', async () => {
      const holderClock = new FakeClock()
      const openShared = backend.shared(holderClock)
      const holder = await createTestEngine({ clock: holderClock, store: await openShared() })
      open.push(holder)
      // Cut the holder off from change notifications: nothing but its own (fake) timers could wake it now.
      holder.engine.store.onExternalChange = () => () => {}
      const handle = await holder.engine.start(testWorkflow({ approve: { wait: { signal: 'approval' } } }))
      await holder.until('execution.suspended')
      const sender = await createTestEngine({ clock: new FakeClock(holderClock.now()), store: await openShared() })
      open.push(sender)
      await sender.engine.signal(handle.id, 'approval', { by: 'ann' })
      await expect(
        waitUntil(async () => (await holder.engine.get(handle.id)).status !== 'suspended', {
          what: 'the holder to notice',
          timeoutMs: 300,
        }),
      ).rejects.toThrow(/Timed out/)
    })
  })
})
