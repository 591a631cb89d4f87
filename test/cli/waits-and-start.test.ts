// Issue 4 from the command line: guarantee 6 (signals kept, in order, each once), idempotent start across
// processes, and trellis worker --retention.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TrellisEvent } from '../../src/events/index.js'
import { openStore } from '../../src/open-store.js'
import { assertBuilt, fixture, json, spawnTrellis, tempDir, trellis, waitFor, waitForEvent } from './trellis.js'

const temp = tempDir()
beforeAll(assertBuilt)
afterAll(() => temp.cleanup())

const TWO_WAITS = join(temp.dir, 'two-waits.yaml')
writeFileSync(
  TWO_WAITS,
  `trellis: 1
name: two-waits
description: A step, then two waits on one topic in sequence; the outputs show which signal each took.
steps:
  prepare:
    action: core.noop
  first:
    needs: [prepare]
    wait: { signal: review }
  second:
    needs: [first]
    wait: { signal: review }
outputs:
  first: "{{ steps.first.output }}"
  second: "{{ steps.second.output }}"
`,
)

/** The execution's log as stored, in wire shape. */
async function readLog(db: string, id: string): Promise<TrellisEvent[]> {
  const store = await openStore(db, { createIfMissing: false })
  try {
    return await store!.readEvents(id, 0, 10_000)
  } finally {
    await store!.close()
  }
}

describe('signals sent before the wait is reached (guarantee 6)', () => {
  it('are kept, and two waits on one topic take them in the order sent, each once', async () => {
    const db = join(temp.dir, 'signals.db')
    expect((await trellis(['start', TWO_WAITS, '--id', 'g6', '--db', db])).stdout).toBe('g6\n')
    for (const [topic, data] of [
      ['review', '{"n":1}'],
      ['other', '"not for these waits"'],
      ['review', '{"n":2}'],
    ] as const) {
      const sent = await trellis(['signal', 'g6', topic, '--data', data, '--db', db])
      expect(sent.stderr).toBe('')
      expect(sent.code).toBe(0)
    }
    const resumed = await trellis(['resume', 'g6', '--json', '--db', db])
    expect(resumed.stderr).toBe('')
    expect(resumed.code).toBe(0)
    expect(json(resumed)).toMatchObject({ status: 'completed', outputs: { first: { n: 1 }, second: { n: 2 } } })

    const events = await readLog(db, 'g6')
    const received = events.filter((e) => e.type === 'signal.received')
    expect(received.map((e) => e.data)).toEqual([
      { topic: 'review', data: { n: 1 } },
      { topic: 'other', data: 'not for these waits' },
      { topic: 'review', data: { n: 2 } },
    ])
    // Every signal was stored before either wait was reached (the waits found them and did not park).
    const firstStep = events.findIndex((e) => e.step === 'first' || e.step === 'second')
    expect(events.findLastIndex((e) => e.type === 'signal.received')).toBeLessThan(firstStep)
    expect(events.filter((e) => e.type === 'step.completed').map((e) => [e.step, e.data.output])).toEqual([
      ['prepare', null],
      ['first', { n: 1 }],
      ['second', { n: 2 }],
    ])
    const raw = new Database(db, { readonly: true })
    try {
      expect(raw.prepare("SELECT topic, consumed_by FROM signals WHERE execution_id = 'g6' ORDER BY id").all()).toEqual(
        [
          { topic: 'review', consumed_by: 'first' },
          { topic: 'other', consumed_by: null },
          { topic: 'review', consumed_by: 'second' },
        ],
      )
    } finally {
      raw.close()
    }
  })
})

describe('idempotent start across processes', () => {
  it('eight starts of one id at once make one execution; all print its id; other inputs exit 2', async () => {
    const db = join(temp.dir, 'start.db') // does not exist yet: the eight also race to create and migrate it
    const args = ['start', fixture('inputs.yaml'), '--id', 'same', '--input', 'a=v', '--db', db]
    const results = await Promise.all(Array.from({ length: 8 }, () => trellis(args)))
    for (const result of results) {
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
      expect(result.stdout).toBe('same\n')
    }
    const list = json(await trellis(['list', '--json', '--db', db]))
    expect(list.map((e: { id: string }) => e.id)).toEqual(['same'])

    const other = await trellis(['start', fixture('inputs.yaml'), '--id', 'same', '--input', 'a=w', '--db', db])
    expect(other.code).toBe(2)
    expect(other.stdout).toBe('')
    expect(other.stderr).toMatch(/same/)
    expect(other.stderr).toMatch(/other inputs/)
    const store = await openStore(db, { createIfMissing: false })
    try {
      expect(await store!.listExecutions({})).toHaveLength(1)
      expect((await store!.findExecution('same'))?.inputs).toEqual({ a: 'v', b: null, n: 1 })
      expect((await store!.readEvents('same', 0, 100)).map((e) => e.type)).toEqual([]) // created, not run
    } finally {
      await store!.close()
    }
  })
})

describe('trellis worker --retention', () => {
  it('deletes executions that ended longer ago than the limit, and keeps the ones that have not ended', async () => {
    const db = join(temp.dir, 'retention.db')
    expect((await trellis(['run', fixture('hello.yaml'), '--id', 'old', '--db', db])).code).toBe(0)
    expect((await trellis(['start', fixture('approval.yaml'), '--id', 'waiting', '--db', db])).code).toBe(0)
    const worker = spawnTrellis(['worker', '--retention', '1s', '--db', db])
    try {
      await waitForEvent(db, 'waiting', (e) => e.type === 'execution.suspended')
      const store = await openStore(db, { createIfMissing: false })
      try {
        await waitFor('the ended execution to be deleted', async () =>
          (await store!.findExecution('old')) === undefined ? true : undefined,
        )
        expect((await store!.findExecution('waiting'))?.status).toBe('suspended')
      } finally {
        await store!.close()
      }
    } finally {
      worker.child.kill('SIGTERM')
    }
    const result = await worker.exited
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/deleting executions that ended over 1s ago/)
    const events = await trellis(['events', 'old', '--db', db])
    expect(events.code).toBe(5)
  })
})
