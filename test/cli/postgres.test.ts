// `trellis … --db postgres://…?schema=…`: the real binary on PostgreSQL, end to end.
import { beforeAll, expect, it } from 'vitest'
import { openStore } from '../../src/open-store.js'
import { describePostgres, PG_URL, schemaForCurrentTest } from '../support/postgres.js'
import { assertBuilt, json, trellis } from './trellis.js'

beforeAll(assertBuilt)

describePostgres('trellis on PostgreSQL', () => {
  it('runs examples/hello.yaml to completion in a schema of its own, and lists it from another process', async () => {
    const db = `${PG_URL}?schema=${schemaForCurrentTest()}`
    const result = await trellis(['run', 'examples/hello.yaml', '--json', '--db', db])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const execution = json(result)
    expect(execution).toMatchObject({
      workflow: 'hello',
      status: 'completed',
      outputs: { greeting: 'Hello, world!', shouted: 'HELLO, WORLD!\n' },
    })

    const listed = await trellis(['list', '--json', '--db', db])
    expect(listed.code).toBe(0)
    expect(json(listed)).toMatchObject([{ id: execution.id, status: 'completed' }])

    const store = await openStore(db)
    try {
      const events = await store!.readEvents(execution.id as string, 0, 100)
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1))
      expect(events.at(-1)?.type).toBe('execution.completed')
    } finally {
      await store?.close()
    }
  })
})
