// `trellis run` and `trellis start`: the execution object, exit codes 0/1/2/4, inputs, --id, --actions, progress lines.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, fixture, json, tempDir, trellis, type Json } from './trellis.js'

const temp = tempDir()
const db = temp.db
beforeAll(assertBuilt)
afterAll(() => temp.cleanup())

const EXECUTION_KEYS = [
  'completed_at',
  'created_at',
  'error',
  'id',
  'inputs',
  'outputs',
  'parent_id',
  'parent_step',
  'started_at',
  'status',
  'steps',
  'workflow',
]
const STEP_KEYS = ['attempts', 'completed_at', 'error', 'output', 'started_at', 'status']
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/

describe('trellis run', () => {
  it('runs to completion and prints one execution object with --json (exit 0)', async () => {
    const result = await trellis(['run', fixture('hello.yaml'), '--json', '--db', db])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout.trim().split('\n')).toHaveLength(1)
    const execution = json(result)
    expect(Object.keys(execution).sort()).toEqual(EXECUTION_KEYS)
    expect(execution).toMatchObject({
      workflow: 'hello',
      status: 'completed',
      inputs: { name: 'world' },
      outputs: { greeting: 'hello world!' },
      error: null,
      parent_id: null,
      parent_step: null,
    })
    expect(execution.id).toMatch(/^exec_/)
    for (const key of ['created_at', 'started_at', 'completed_at']) expect(execution[key]).toMatch(ISO)
    expect(Object.keys(execution.steps)).toEqual(['greet', 'shout'])
    expect(Object.keys(execution.steps.greet).sort()).toEqual(STEP_KEYS)
    expect(execution.steps.greet).toMatchObject({
      status: 'completed',
      attempts: 1,
      output: 'hello world',
      error: null,
    })
    expect(execution.steps.shout.output).toBe('hello world!')
    expect(execution.steps.shout.completed_at).toMatch(ISO)
  })

  it('prints progress lines and a summary when stdout is not a terminal', async () => {
    const result = await trellis(['run', fixture('hello.yaml'), '--input', 'name=ann', '--db', db])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^step greet started \(attempt 1\)$/m)
    expect(result.stdout).toMatch(/^step greet completed \(1 attempt, \d+(\.\d+)?m?s\)$/m)
    expect(result.stdout).toMatch(/^step shout completed \(1 attempt/m)
    expect(result.stdout).toMatch(/^completed exec_\w+ \(hello\)/m)
    expect(result.stdout).toContain('"greeting":"hello ann!"')
  })

  it('exits 1 when the execution fails, with the error in the execution object', async () => {
    const result = await trellis(['run', fixture('fail.yaml'), '--json', '--db', db])
    expect(result.code).toBe(1)
    const execution = json(result)
    expect(execution.status).toBe('failed')
    expect(execution.error).toEqual({ code: 'BOOM', message: 'kaboom', step: 'boom' })
    expect(execution.outputs).toEqual({})
    expect(execution.completed_at).toMatch(ISO)
    expect(execution.steps.prepare.status).toBe('completed')
    expect(execution.steps.boom).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'BOOM', message: 'kaboom' },
    })
    expect(execution.steps.after.status).toBe('skipped')
  })

  it('says how to retry a failed execution in human output', async () => {
    const result = await trellis(['run', fixture('fail.yaml'), '--db', db])
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/step boom failed.*BOOM: kaboom/)
    expect(result.stdout).toMatch(/trellis retry exec_\w+/)
  })

  it('parses --input values as JSON when they are JSON, else as text, and lets --input win over --inputs', async () => {
    const result = await trellis([
      'run',
      fixture('inputs.yaml'),
      '--inputs',
      '{"a": "from --inputs", "b": {"keep": true}, "n": 3}',
      '--input',
      'a={"k":[1,true,null]}',
      '--input',
      'n=7',
      '--json',
      '--db',
      db,
    ])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(json(result).inputs).toEqual({ a: { k: [1, true, null] }, b: { keep: true }, n: 7 })

    const text = await trellis([
      'run',
      fixture('inputs.yaml'),
      '--input',
      'a=not json',
      '--input',
      'b="5"',
      '--json',
      '--db',
      db,
    ])
    expect(json(text).inputs).toEqual({ a: 'not json', b: '5', n: 1 })

    const empty = await trellis([
      'run',
      fixture('inputs.yaml'),
      '--input',
      'a=',
      '--input',
      'b=x=y',
      '--json',
      '--db',
      db,
    ])
    expect(json(empty).inputs).toMatchObject({ a: '', b: 'x=y' })
  })

  it('refuses invalid inputs with exit 2 and creates nothing, not even the database', async () => {
    const fresh = join(temp.dir, 'never.db')
    const wrongType = await trellis(['run', fixture('inputs.yaml'), '--input', 'n=abc', '--db', fresh])
    expect(wrongType.code).toBe(2)
    expect(wrongType.stderr).toMatch(/\bn\b/)
    const undeclared = await trellis(['run', fixture('hello.yaml'), '--input', 'nmae=ann', '--db', fresh])
    expect(undeclared.code).toBe(2)
    expect(undeclared.stderr).toContain('nmae')
    expect(existsSync(fresh)).toBe(false)
  })

  it('refuses an invalid definition with exit 2 and its problems with file:line:column', async () => {
    const result = await trellis(['run', fixture('invalid.yaml'), '--db', db])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/invalid\.yaml:8:\d+/)
    expect(result.stdout).toBe('')
  })

  it('with --id, answers with the same execution for the same inputs and refuses other inputs (exit 2)', async () => {
    const first = await trellis([
      'run',
      fixture('hello.yaml'),
      '--id',
      'order-42',
      '--input',
      'name=bo',
      '--json',
      '--db',
      db,
    ])
    expect(first.code).toBe(0)
    const again = await trellis([
      'run',
      fixture('hello.yaml'),
      '--id',
      'order-42',
      '--input',
      'name=bo',
      '--json',
      '--db',
      db,
    ])
    expect(again.code).toBe(0)
    expect(json(again)).toEqual(json(first))

    const list = await trellis(['list', '--json', '--workflow', 'hello', '--db', db])
    expect(json<Json[]>(list).filter((e) => e.id === 'order-42')).toHaveLength(1)

    const other = await trellis(['run', fixture('hello.yaml'), '--id', 'order-42', '--input', 'name=cy', '--db', db])
    expect(other.code).toBe(2)
    expect(other.stderr).toContain('order-42')
    const otherWorkflow = await trellis(['start', fixture('fail.yaml'), '--id', 'order-42', '--db', db])
    expect(otherWorkflow.code).toBe(2)

    const start = await trellis(['start', fixture('hello.yaml'), '--id', 'order-42', '--input', 'name=bo', '--db', db])
    expect(start.code).toBe(0)
    expect(start.stdout).toBe('order-42\n')
  })

  it('runs actions from a TypeScript --actions module', async () => {
    const result = await trellis([
      'run',
      fixture('custom.yaml'),
      '--actions',
      fixture('actions.ts'),
      '--input',
      'text=psst',
      '--json',
      '--db',
      db,
    ])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(json(result).outputs).toEqual({ loud: '[PSST]' })
  })

  it('shows for_each iterations in the execution object', async () => {
    const result = await trellis(['run', fixture('each.yaml'), '--json', '--db', db])
    expect(result.code).toBe(0)
    const step = json(result).steps.double
    expect(step.status).toBe('completed')
    expect(step.attempts).toBe(3)
    expect(step.output).toEqual([2, 4, 6])
    expect(step.iterations).toEqual([
      { index: 0, status: 'completed', attempts: 1, output: 2 },
      { index: 1, status: 'completed', attempts: 1, output: 4 },
      { index: 2, status: 'completed', attempts: 1, output: 6 },
    ])
  })

  it('exits 4 when --timeout passes first; the execution goes on in the store', async () => {
    const result = await trellis([
      'run',
      fixture('slow.yaml'),
      '--id',
      'too-slow',
      '--timeout',
      '300ms',
      '--json',
      '--db',
      db,
    ])
    expect(result.code).toBe(4)
    const execution = json(result)
    expect(execution.id).toBe('too-slow')
    expect(['running', 'pending']).toContain(execution.status)
    expect(result.stderr).toContain('trellis status too-slow')

    const status = await trellis(['status', 'too-slow', '--json', '--db', db])
    expect(status.code).toBe(0)
    expect(['running', 'pending']).toContain(json(status).status)
    expect((await trellis(['cancel', 'too-slow', '--db', db])).code).toBe(0)
  })
})

describe('trellis start', () => {
  it('creates the execution without running it and prints its id', async () => {
    const result = await trellis(['start', fixture('hello.yaml'), '--db', db])
    expect(result.code).toBe(0)
    const id = result.stdout.trim()
    expect(id).toMatch(/^exec_\w+$/)
    const status = await trellis(['status', id, '--json', '--db', db])
    expect(json(status)).toMatchObject({ id, status: 'pending', started_at: null })
  })

  it('prints the execution object with --json', async () => {
    const result = await trellis(['start', fixture('hello.yaml'), '--id', 'started-1', '--json', '--db', db])
    expect(result.code).toBe(0)
    const execution = json(result)
    expect(Object.keys(execution).sort()).toEqual(EXECUTION_KEYS)
    expect(execution).toMatchObject({ id: 'started-1', status: 'pending', inputs: { name: 'world' }, outputs: {} })
    expect(execution.steps.greet).toMatchObject({ status: 'pending', attempts: 0, output: null })
  })
})
