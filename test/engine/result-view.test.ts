import { afterEach, describe, expect, it } from 'vitest'
import { createActionRegistry } from '../../src/actions/index.js'
import { createTestEngine, FakeClock, type TestEngine } from '../../src/testing/index.js'
import { backends } from '../support/postgres.js'
import { testWorkflow } from '../support/workflow.js'

/**
 * `run()` resolves, in the process that ran the execution, with a view built from its state, not read back from
 * the store: it must be exactly what the store holds (`get`), and share nothing with what actions returned.
 */
let open: TestEngine[] = []
afterEach(async () => {
  for (const t of open) await t.close()
  open = []
})

/** An object an action returns and then changes, after its step has completed. */
const shared = { n: 1, nested: { list: [1, 2] as number[] } }

const actions = createActionRegistry()
actions.register('shared', () => shared, 'test')
actions.register('double', (input: { x: number }) => ({ x: input.x * 2, at: { deep: [input.x, null, 'é'] } }), 'test')
actions.register(
  'boom',
  () => {
    throw Object.assign(new Error('no luck'), { code: 'NOPE', retryable: false })
  },
  'test',
)

const workflow = testWorkflow(
  {
    first: { action: 'shared' },
    fan: { needs: ['first'], for_each: '{{ [1, 2, 3] }}', concurrency: 2, action: 'double', with: { x: '{{ item }}' } },
    skipped: { needs: ['first'], when: '{{ false }}', action: 'double', with: { x: 1 } },
    boom: { needs: ['fan'], action: 'boom', on_failure: ['cleanup'] },
    cleanup: { action: 'double', with: { x: 7 } },
    never: { needs: ['boom'], action: 'double', with: { x: 9 } },
  },
  { name: 'views', outputs: { fan: '{{ steps.fan.output }}', first: '{{ steps.first.output }}' } },
)

for (const backend of backends) {
  describe(`the result of run() (${backend.name})`, () => {
    it('is exactly what get() reads back from the store, and a copy of what actions returned', async () => {
      shared.n = 1
      shared.nested.list = [1, 2]
      const clock = new FakeClock()
      const t = await createTestEngine({ store: await backend.open(clock), clock, actions })
      open.push(t)
      const result = await t.engine.run(workflow, {})
      shared.n = 2
      shared.nested.list.push(3)
      const stored = await t.engine.get(result.id)

      expect(result).toEqual(stored)
      // Same keys in the same order, as the CLI prints them.
      expect(JSON.stringify(result)).toBe(JSON.stringify(stored))
      // The view covers what could differ: iterations, a skipped and a never-started step, an error, outputs.
      expect(result.steps['fan']?.iterations?.map((i) => i.output)).toEqual([
        { x: 2, at: { deep: [1, null, 'é'] } },
        { x: 4, at: { deep: [2, null, 'é'] } },
        { x: 6, at: { deep: [3, null, 'é'] } },
      ])
      expect(result.steps['boom']?.error?.code).toBe('NOPE')
      expect(result.steps['skipped']?.status).toBe('skipped')
      expect(result.steps['first']?.output).toEqual({ n: 1, nested: { list: [1, 2] } })
      expect(result.outputs['first']).toEqual({ n: 1, nested: { list: [1, 2] } })
    })
  })
}
