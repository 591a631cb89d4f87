// The read-only commands: status, events (with --after and --follow) and list; exit 5 for an unknown id; none of
// them creates a database. And gc.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, fixture, json, tempDir, trellis, type Json } from './trellis.js'

const temp = tempDir()
const db = temp.db
const EVENT_KEYS = ['at', 'attempt', 'data', 'execution_id', 'index', 'seq', 'step', 'type']
const SUMMARY_KEYS = ['completed_at', 'created_at', 'id', 'parent_id', 'started_at', 'status', 'workflow']

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '')
}

beforeAll(async () => {
  assertBuilt()
  expect((await trellis(['run', fixture('hello.yaml'), '--id', 'h1', '--db', db])).code).toBe(0)
  expect((await trellis(['run', fixture('fail.yaml'), '--id', 'f1', '--db', db])).code).toBe(1)
})
afterAll(() => temp.cleanup())

describe.concurrent('trellis status', () => {
  it('prints the execution object with --json (exit 0, whatever the status)', async () => {
    const result = await trellis(['status', 'f1', '--json', '--db', db])
    expect(result.code).toBe(0)
    const execution = json(result)
    expect(execution).toMatchObject({ id: 'f1', workflow: 'fail', status: 'failed' })
    expect(execution.error).toEqual({ code: 'BOOM', message: 'kaboom', step: 'boom' })
  })

  it('prints a table of steps for people', async () => {
    const result = await trellis(['status', 'f1', '--db', db])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^f1\s+fail\s+failed/m)
    expect(result.stdout).toMatch(/^STEP\s+STATUS\s+ATTEMPTS\s+DURATION/m)
    expect(result.stdout).toMatch(/^prepare\s+completed\s+1\s/m)
    expect(result.stdout).toMatch(/^boom\s+failed\s+1\s.*BOOM: kaboom/m)
    expect(result.stdout).toMatch(/^after\s+skipped\s+0/m)
  })

  it('exits 5 for an unknown id', async () => {
    const result = await trellis(['status', 'nope', '--db', db])
    expect(result.code).toBe(5)
    expect(result.stderr).toMatch(/no such execution "nope"/)
    expect(result.stdout).toBe('')
  })
})

describe.concurrent('trellis events', () => {
  it('prints one event object per line with --json, numbered 1..n', async () => {
    const result = await trellis(['events', 'h1', '--json', '--db', db])
    expect(result.code).toBe(0)
    const events = lines(result.stdout).map((line) => JSON.parse(line))
    expect(events.length).toBeGreaterThanOrEqual(6)
    for (const event of events) {
      expect(Object.keys(event).sort()).toEqual(EVENT_KEYS)
      expect(event.execution_id).toBe('h1')
    }
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1))
    expect(events[0]).toMatchObject({
      type: 'execution.started',
      step: null,
      attempt: null,
      data: { inputs: { name: 'world' } },
    })
    expect(events.at(-1)).toMatchObject({
      type: 'execution.completed',
      data: { outputs: { greeting: 'hello world!' } },
    })
    expect(events.find((e) => e.type === 'step.started')).toMatchObject({ step: 'greet', attempt: 1, index: null })
  })

  it('starts after --after SEQ', async () => {
    const result = await trellis(['events', 'h1', '--json', '--after', '2', '--db', db])
    expect(result.code).toBe(0)
    expect(JSON.parse(lines(result.stdout)[0] ?? 'null').seq).toBe(3)
  })

  it('prints readable lines without --json', async () => {
    const result = await trellis(['events', 'f1', '--db', db])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^\s*1\s+\S+\s+execution\.started/m)
    expect(result.stdout).toMatch(/step\.failed\s+boom\s+attempt 1/)
  })

  it('--follow on an ended execution prints its log and exits 0', async () => {
    const all = await trellis(['events', 'f1', '--json', '--db', db])
    const follow = await trellis(['events', 'f1', '--json', '--follow', '--db', db])
    expect(follow.code).toBe(0)
    expect(follow.stdout).toBe(all.stdout)
    expect(JSON.parse(lines(follow.stdout).at(-1) ?? 'null').type).toBe('execution.failed')
  })

  it('exits 5 for an unknown id', async () => {
    expect((await trellis(['events', 'nope', '--db', db])).code).toBe(5)
    expect((await trellis(['events', 'nope', '--follow', '--db', db])).code).toBe(5)
  })
})

describe.concurrent('trellis list', () => {
  it('prints summaries newest first with --json', async () => {
    const result = await trellis(['list', '--json', '--db', db])
    expect(result.code).toBe(0)
    const list = json<Json[]>(result)
    expect(list.map((e) => e.id)).toEqual(['f1', 'h1'])
    for (const summary of list) expect(Object.keys(summary).sort()).toEqual(SUMMARY_KEYS)
    expect(list[1]).toMatchObject({ id: 'h1', workflow: 'hello', status: 'completed', parent_id: null })
  })

  it('filters by --status and --workflow, and stops at --limit', async () => {
    const failed = json<Json[]>(await trellis(['list', '--json', '--status', 'failed', '--db', db]))
    expect(failed.map((e) => e.id)).toEqual(['f1'])
    const hello = json<Json[]>(await trellis(['list', '--json', '--workflow', 'hello', '--db', db]))
    expect(hello.map((e) => e.id)).toEqual(['h1'])
    const one = json<Json[]>(await trellis(['list', '--json', '--limit', '1', '--db', db]))
    expect(one.map((e) => e.id)).toEqual(['f1'])
  })

  it('prints a table for people', async () => {
    const result = await trellis(['list', '--db', db])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^ID\s+WORKFLOW\s+STATUS/m)
    expect(result.stdout).toMatch(/^h1\s+hello\s+completed/m)
  })
})

describe.concurrent('read-only commands never create a database', () => {
  it('status, events and list leave a missing database missing', async () => {
    const missing = join(temp.dir, 'missing', 'trellis.db')
    const status = await trellis(['status', 'x', '--db', missing])
    expect(status.code).toBe(5)
    expect(status.stderr).toMatch(/no such execution "x"/)
    const events = await trellis(['events', 'x', '--json', '--db', missing])
    expect(events.code).toBe(5)
    const list = await trellis(['list', '--json', '--db', missing])
    expect(list.code).toBe(0)
    expect(json(list)).toEqual([])
    const human = await trellis(['list', '--db', missing])
    expect(human.code).toBe(0)
    expect(human.stdout).toBe('')
    expect(existsSync(missing)).toBe(false)
    expect(existsSync(join(temp.dir, 'missing'))).toBe(false)
  })

  it('uses TRELLIS_DB, and the default ./.trellis/trellis.db is not created by a read', async () => {
    const viaEnv = await trellis(['status', 'h1', '--json'], { env: { TRELLIS_DB: db } })
    expect(viaEnv.code).toBe(0)
    expect(json(viaEnv).id).toBe('h1')

    const cwd = join(temp.dir)
    const list = await trellis(['list', '--json'], { cwd })
    expect(list.code).toBe(0)
    expect(existsSync(join(cwd, '.trellis'))).toBe(false)
  })
})

describe.concurrent('trellis gc', () => {
  it('deletes ended executions older than --older-than and says how many', async () => {
    const gcDb = join(temp.dir, 'gc.db')
    expect((await trellis(['run', fixture('hello.yaml'), '--id', 'old', '--db', gcDb])).code).toBe(0)
    const kept = await trellis(['gc', '--db', gcDb])
    expect(kept.code).toBe(0)
    expect(kept.stdout).toMatch(/^deleted 0 executions/)

    const swept = await trellis(['gc', '--older-than', '0s', '--db', gcDb])
    expect(swept.code).toBe(0)
    expect(swept.stdout).toMatch(/^deleted 1 execution\b/)
    expect((await trellis(['status', 'old', '--db', gcDb])).code).toBe(5)
  })
})
