// Commands that act on executions: signal, resume, retry, pause, cancel, worker; exit codes 0, 1, 3, 5 and 6.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, fixture, json, spawnTrellis, tempDir, trellis, waitForEvent, waitForOutput } from './trellis.js'

const temp = tempDir()
const db = temp.db
beforeAll(assertBuilt)
afterAll(() => temp.cleanup())

describe('start, signal and resume', () => {
  it('delivers a signal stored before the wait is reached, and resume runs the execution to its end', async () => {
    expect((await trellis(['start', fixture('approval.yaml'), '--id', 'a1', '--db', db])).stdout).toBe('a1\n')
    const signal = await trellis(['signal', 'a1', 'approval', '--data', '{"by":"ann"}', '--db', db])
    expect(signal.stderr).toBe('')
    expect(signal.code).toBe(0)

    const resumed = await trellis(['resume', 'a1', '--json', '--db', db])
    expect(resumed.stderr).toBe('')
    expect(resumed.code).toBe(0)
    expect(json(resumed)).toMatchObject({ id: 'a1', status: 'completed', outputs: { message: 'approved by ann' } })
    expect(json(resumed).steps.approve).toMatchObject({ status: 'completed', output: { by: 'ann' } })
  })

  it('resume of an ended execution prints it and exits with its outcome', async () => {
    const again = await trellis(['resume', 'a1', '--json', '--db', db])
    expect(again.code).toBe(0)
    expect(json(again).status).toBe('completed')
    const human = await trellis(['resume', 'a1', '--db', db])
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(/^completed a1 \(approval\)/m)
  })

  it('refuses requests the state does not allow with exit 6 and a reason', async () => {
    const signal = await trellis(['signal', 'a1', 'approval', '--db', db])
    expect(signal.code).toBe(6)
    expect(signal.stderr).toMatch(/a1/)
    expect((await trellis(['pause', 'a1', '--db', db])).code).toBe(6)
    expect((await trellis(['cancel', 'a1', '--db', db])).code).toBe(6)
    const retry = await trellis(['retry', 'a1', '--db', db])
    expect(retry.code).toBe(6)
    expect(retry.stderr).toMatch(/completed/)
    expect(retry.stdout).toBe('')
  })

  it.concurrent.each([
    ['resume', ['resume', 'ghost']],
    ['retry', ['retry', 'ghost']],
    ['pause', ['pause', 'ghost']],
    ['cancel', ['cancel', 'ghost']],
    ['signal', ['signal', 'ghost', 'topic']],
  ])('%s of an unknown execution exits 5', async (_command, args) => {
    const result = await trellis([...args, '--db', db])
    expect(result.code).toBe(5)
    expect(result.stderr).toContain('ghost')
  })
})

describe('retry', () => {
  it('runs a failed execution again from its failed step, same id', async () => {
    const run = await trellis(['run', fixture('flaky.yaml'), '--id', 'fl', '--json', '--db', db])
    expect(run.code).toBe(1)
    expect(json(run).steps.wobbly).toMatchObject({ status: 'failed', attempts: 1 })

    // an ended execution: resume changes nothing and exits with its outcome (1); pause and cancel are refused
    expect((await trellis(['resume', 'fl', '--db', db])).code).toBe(1)
    expect((await trellis(['pause', 'fl', '--db', db])).code).toBe(6)
    expect((await trellis(['cancel', 'fl', '--db', db])).code).toBe(6)

    const retry = await trellis(['retry', 'fl', '--json', '--db', db])
    expect(retry.stderr).toBe('')
    expect(retry.code).toBe(0)
    const execution = json(retry)
    expect(execution).toMatchObject({ id: 'fl', status: 'completed', error: null, outputs: { attempt: 2 } })
    expect(execution.steps.first.attempts).toBe(1) // a completed step does not run again
    expect(execution.steps.wobbly).toMatchObject({ status: 'completed', attempts: 2 })
  })
})

describe('pause and cancel', () => {
  it('cancels an execution nobody runs; repeating it exits 0; resume then exits 3', async () => {
    expect((await trellis(['start', fixture('slow.yaml'), '--id', 'c1', '--db', db])).code).toBe(0)
    const cancel = await trellis(['cancel', 'c1', '--reason', 'not needed', '--db', db])
    expect(cancel.stderr).toBe('')
    expect(cancel.code).toBe(0)
    expect(json(await trellis(['status', 'c1', '--json', '--db', db])).status).toBe('cancelled')
    expect((await trellis(['cancel', 'c1', '--db', db])).code).toBe(0)
    const resume = await trellis(['resume', 'c1', '--json', '--db', db])
    expect(resume.code).toBe(3)
    expect(json(resume).status).toBe('cancelled')
  })

  it('pauses an execution; repeating it exits 0; resume un-pauses it', async () => {
    // run leaves it suspended on its wait (exit 4) with nobody holding it: pause is applied by the requester
    const run = await trellis(['run', fixture('approval.yaml'), '--id', 'p1', '--timeout', '500ms', '--db', db])
    expect(run.code).toBe(4)
    const pause = await trellis(['pause', 'p1', '--reason', 'lunch', '--db', db])
    expect(pause.stderr).toBe('')
    expect(pause.code).toBe(0)
    expect(pause.stdout).toContain('trellis resume p1')
    expect(json(await trellis(['status', 'p1', '--json', '--db', db])).status).toBe('paused')
    expect((await trellis(['pause', 'p1', '--db', db])).code).toBe(0)

    const resume = await trellis(['resume', 'p1', '--timeout', '500ms', '--json', '--db', db])
    expect(resume.code).toBe(4)
    expect(json(resume).status).toBe('suspended')
    const cancel = await trellis(['cancel', 'p1', '--db', db])
    expect(cancel.code).toBe(0)
    expect(json(await trellis(['status', 'p1', '--json', '--db', db])).status).toBe('cancelled')
  })

  it('run exits 3 when another process cancels the execution it runs; events --follow ends there too', async () => {
    const run = spawnTrellis(['run', fixture('slow.yaml'), '--id', 'rc', '--json', '--db', db])
    await waitForEvent(db, 'rc', (e) => e.type === 'step.started' && e.step === 'nap')
    const follow = spawnTrellis(['events', 'rc', '--follow', '--json', '--db', db])
    const cancel = await trellis(['cancel', 'rc', '--reason', 'changed my mind', '--db', db])
    expect(cancel.code).toBe(0)
    const result = await run.exited
    expect(result.code).toBe(3)
    const execution = json(result)
    expect(execution.status).toBe('cancelled')
    expect(execution.steps.nap.status).toBe('cancelled')
    expect(execution.steps.after.status).toBe('skipped')

    // events --follow streamed the log and stopped at the terminal event
    const followed = await follow.exited
    expect(followed.code).toBe(0)
    const events = followed.stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line))
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1))
    expect(events.at(-1)).toMatchObject({ type: 'execution.cancelled', data: { reason: 'changed my mind' } })
  })
})

describe('worker', () => {
  it('runs executions made by start, and stops on SIGTERM with exit 0', async () => {
    expect((await trellis(['start', fixture('hello.yaml'), '--id', 'w1', '--input', 'name=wo', '--db', db])).code).toBe(
      0,
    )
    const worker = spawnTrellis(['worker', '--concurrency', '2', '--db', db])
    try {
      await waitForEvent(db, 'w1', (e) => e.type === 'execution.completed')
    } finally {
      worker.child.kill('SIGTERM')
    }
    const result = await worker.exited
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/w1\s+step greet completed/)
    expect(result.stdout).toMatch(/worker stopped/)
    const status = json(await trellis(['status', 'w1', '--json', '--db', db]))
    expect(status).toMatchObject({ status: 'completed', outputs: { greeting: 'hello wo!' } })
  })

  it('stops on Ctrl-C with exit 130', async () => {
    const worker = spawnTrellis(['worker', '--db', db])
    await waitForOutput(worker, /worker running executions/)
    worker.child.kill('SIGINT')
    const result = await worker.exited
    expect(result.code).toBe(130)
    expect(result.stdout).toMatch(/worker stopped \(SIGINT\)/)
  })
})
