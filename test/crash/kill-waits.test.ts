import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runTrellis, spawnTrellis, type TrellisProcess } from '../support/cli.js'
import {
  expectSoundLog,
  kill,
  markCounts,
  readEvents,
  readTable,
  shape,
  TERMINAL,
  waitForEvent,
  waitForMark,
} from './kit.js'

/**
 * Issue 4 with real processes: a `trellis run` killed with SIGKILL while its execution sleeps, waits for a signal,
 * is paused, or runs a child workflow; then `trellis resume` (or a `trellis worker`) finishes it. Each execution
 * must end exactly as it would have without the crash: same outputs, the same log (no event lost, none repeated,
 * one terminal event), and no completed step run again (the actions leave marks outside the engine).
 */
const FIXTURES = resolve(import.meta.dirname, '../fixtures/crash')
const ACTIONS = join(FIXTURES, 'marking-actions.mjs')
const dir = mkdtempSync(join(tmpdir(), 'trellis-kill-waits-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The database, the marks file, and the gate: `gate: true` steps run until `open()` creates the gate file. */
function paths(name: string): { db: string; marks: string; env: Record<string, string>; open: () => void } {
  const marks = join(dir, `${name}.marks`)
  const gate = join(dir, `${name}.gate`)
  return {
    db: join(dir, `${name}.db`),
    marks,
    env: { TRELLIS_MARKS: marks, TRELLIS_GATE: gate },
    open: () => writeFileSync(gate, ''),
  }
}

function run(file: string, id: string, db: string, env: Record<string, string>) {
  return spawnTrellis(['run', join(FIXTURES, file), '--id', id, '--db', db, '--actions', ACTIONS], env)
}

function resume(id: string, db: string, env: Record<string, string>) {
  return spawnTrellis(['resume', id, '--json', '--db', db, '--actions', ACTIONS], env)
}

/**
 * Polls the file until `proc` holds the execution (its pid in the lease) or the execution ended. Returns the start
 * of the last read that saw it not yet attached: the process attached after that instant.
 */
async function attachedAfter(db: string, id: string, proc: TrellisProcess): Promise<number> {
  let before = Date.now()
  for (;;) {
    const at = Date.now()
    const [row] = readTable<{ holder_pid: number | null; status: string }>(
      db,
      'SELECT holder_pid, status FROM executions WHERE id = ?',
      id,
    )
    if (row?.holder_pid === proc.child.pid || TERMINAL.includes(`execution.${row?.status}`)) return before
    if (proc.child.exitCode !== null) throw new Error('the process exited before it attached')
    before = at
    await new Promise((r) => setTimeout(r, 5))
  }
}

async function finished(proc: ReturnType<typeof resume>): Promise<Record<string, unknown>> {
  const result = await proc.exited
  expect(result.stderr).toBe('')
  expect(result.code).toBe(0)
  return JSON.parse(result.stdout) as Record<string, unknown>
}

// The scenarios are independent (a database and a marks file each) and mostly wait on other processes: run them
// at once.
describe.concurrent('SIGKILL, then resume or a worker', () => {
  describe('killed while sleeping', () => {
    it('the sleep ends at its original time after resume, and completed steps do not run again', async () => {
      const { db, marks, env } = paths('sleep')
      const proc = run('sleep.yaml', 's1', db, env)
      const waiting = await waitForEvent(db, 's1', (e) => e.type === 'execution.suspended', { proc })
      await kill(proc)
      const wakeAt = Date.parse(readEvents(db, 's1').find((e) => e.type === 'step.waiting')!.data.wake_at as string)
      expect(wakeAt - waiting.at).toBeGreaterThan(2_900)

      // Let a third of the sleep pass while no process runs the execution.
      await new Promise((r) => setTimeout(r, 1_000))
      const resumed = resume('s1', db, env)
      const notYet = await attachedAfter(db, 's1', resumed)
      const execution = await finished(resumed)
      expect(execution).toMatchObject({ status: 'completed', outputs: { result: 21 } })

      const events = readEvents(db, 's1')
      expectSoundLog(events)
      const napDone = events.find((e) => e.type === 'step.completed' && e.step === 'nap')!
      expect(napDone.at).toBeGreaterThanOrEqual(wakeAt)
      // Restarted from zero it could not end before 3 s after the resumed process attached (after `notYet`); kept,
      // it ends at the time set before the crash, at least 1 s earlier than that (no stopwatch bound beyond it).
      expect(wakeAt).toBeLessThanOrEqual(notYet + 2_000)
      expect(napDone.at).toBeLessThan(notYet + 3_000)
      expect(shape(events)).toEqual([
        'execution.started',
        'step.started before #1',
        'step.completed before #1',
        'step.waiting nap',
        'execution.suspended',
        'execution.resumed',
        'step.completed nap',
        'step.started after #1',
        'step.completed after #1',
        'execution.completed',
      ])
      expect(events.find((e) => e.type === 'execution.resumed')?.data).toEqual({ from: 'suspended' })
      expect(markCounts(marks)).toEqual({ 's1/before': 1, 's1/after': 1 })
    })
  })

  describe('killed while waiting for a signal', () => {
    it('a signal sent while nobody runs the execution is taken exactly once after resume', async () => {
      const { db, marks, env } = paths('signal')
      const proc = run('signal.yaml', 'w1', db, env)
      await waitForEvent(db, 'w1', (e) => e.type === 'execution.suspended', { proc })
      await kill(proc)

      const sent = await runTrellis(['signal', 'w1', 'approval', '--data', '{"by":"ann"}', '--db', db])
      expect(sent.stderr).toBe('')
      expect(sent.code).toBe(0)
      // Stored, not taken: nobody runs the execution.
      expect(readTable(db, 'SELECT consumed_by FROM signals WHERE execution_id = ?', 'w1')).toEqual([
        { consumed_by: null },
      ])

      const resumed = resume('w1', db, env)
      // The first wait takes it; the second one (same topic) must not take it again: it parks.
      await waitForEvent(db, 'w1', (e) => e.type === 'step.waiting' && e.step === 'second', { proc: resumed })
      expect(readTable(db, 'SELECT consumed_by FROM signals WHERE execution_id = ?', 'w1')).toEqual([
        { consumed_by: 'first' },
      ])
      // The resumed process notices a signal from another process through its change check.
      const second = await runTrellis(['signal', 'w1', 'approval', '--data', '{"by":"bob"}', '--db', db])
      expect(second.code).toBe(0)
      const execution = await finished(resumed)
      expect(execution).toMatchObject({
        status: 'completed',
        outputs: { first: { by: 'ann' }, second: { by: 'bob' }, result: 'ann then bob' },
      })

      const events = readEvents(db, 'w1')
      expectSoundLog(events)
      expect(shape(events)).toEqual([
        'execution.started',
        'step.started before #1',
        'step.completed before #1',
        'step.waiting first',
        'execution.suspended',
        'signal.received',
        'execution.resumed',
        'step.completed first',
        'step.waiting second',
        'execution.suspended',
        'signal.received',
        'execution.resumed',
        'step.completed second',
        'step.started after #1',
        'step.completed after #1',
        'execution.completed',
      ])
      // How long the resumed holder took to notice the second signal, stored by another process.
      const received = events.filter((e) => e.type === 'signal.received').at(-1)!
      const woke = events.find((e) => e.seq > received.seq && e.type === 'execution.resumed')!
      expect(woke.at - received.at).toBeLessThan(1_000)
      console.info(`a signal from another process woke the holder after ${woke.at - received.at} ms`)
      expect(readTable(db, 'SELECT consumed_by FROM signals WHERE execution_id = ? ORDER BY id', 'w1')).toEqual([
        { consumed_by: 'first' },
        { consumed_by: 'second' },
      ])
      expect(markCounts(marks)).toEqual({ 'w1/before': 1, 'w1/after': 1 })
    })
  })

  describe('killed while paused', () => {
    it('trellis resume un-pauses it and runs the rest; the step that finished under the pause does not run again', async () => {
      const { db, marks, env, open } = paths('pause')
      const proc = run('pause.yaml', 'p1', db, env)
      await waitForEvent(db, 'p1', (e) => e.type === 'step.started' && e.step === 'b', { proc })
      const paused = await runTrellis(['pause', 'p1', '--reason', 'maintenance', '--db', db])
      expect(paused.stderr).toBe('')
      expect(paused.code).toBe(0)
      expect(paused.stdout).toMatch(/pause of p1 requested/) // b still runs
      open()
      // The running attempt finishes, nothing new starts, then the holder writes execution.paused.
      await waitForEvent(db, 'p1', (e) => e.type === 'execution.paused', { proc })
      await kill(proc)

      const execution = await finished(resume('p1', db, env))
      expect(execution).toMatchObject({ status: 'completed', outputs: { result: [1, 2, 3] } })
      const events = readEvents(db, 'p1')
      expectSoundLog(events)
      expect(shape(events)).toEqual([
        'execution.started',
        'step.started a #1',
        'step.completed a #1',
        'step.started b #1',
        'step.completed b #1',
        'execution.paused',
        'execution.resumed',
        'step.started c #1',
        'step.completed c #1',
        'execution.completed',
      ])
      expect(events.find((e) => e.type === 'execution.paused')?.data).toEqual({ reason: 'maintenance' })
      expect(events.find((e) => e.type === 'execution.resumed')?.data).toEqual({ from: 'paused' })
      expect(markCounts(marks)).toEqual({ 'p1/a': 1, 'p1/b': 1, 'p1/c': 1 })
    })
  })

  describe('killed during a child workflow', () => {
    it('resume finishes parent and child; the child is not duplicated and its completed steps do not run again', async () => {
      const { db, marks, env, open } = paths('child')
      const proc = run('parent.yaml', 'c1', db, env)
      await waitForMark(marks, 'c1:call/slow:1', proc)
      await kill(proc)
      open()

      const execution = await finished(resume('c1', db, env))
      expect(execution).toMatchObject({ status: 'completed', outputs: { result: 80 } })
      expect((execution.steps as Record<string, unknown>).call).toMatchObject({ status: 'completed', output: { y: 8 } })

      const list = await runTrellis(['list', '--json', '--db', db])
      expect(list.code).toBe(0)
      const summaries = JSON.parse(list.stdout) as { id: string; status: string; parent_id: string | null }[]
      expect(summaries.map((s) => [s.id, s.status, s.parent_id]).sort()).toEqual([
        ['c1', 'completed', null],
        ['c1:call', 'completed', 'c1'],
      ])

      const parentLog = readEvents(db, 'c1')
      const childLog = readEvents(db, 'c1:call')
      expectSoundLog(parentLog)
      expectSoundLog(childLog)
      // The attempts cut by the crash wrote no end event; each was replaced by the next attempt.
      expect(shape(parentLog)).toEqual([
        'execution.started',
        'step.started first #1',
        'step.completed first #1',
        'step.started call #1',
        'step.started call #2',
        'step.completed call #2',
        'step.started last #1',
        'step.completed last #1',
        'execution.completed',
      ])
      expect(shape(childLog)).toEqual([
        'execution.started',
        'step.started one #1',
        'step.completed one #1',
        'step.started slow #1',
        'step.started slow #2',
        'step.completed slow #2',
        'step.started two #1',
        'step.completed two #1',
        'execution.completed',
      ])
      expect(markCounts(marks)).toEqual({
        'c1/first': 1,
        'c1:call/one': 1,
        'c1:call/slow': 2, // the attempt the crash cut, and its replacement
        'c1:call/two': 1,
        'c1/last': 1,
      })
    })
  })

  describe('a worker takes over a killed run', () => {
    it('at once, because the dead holder ran on this host (no lease to wait out)', async () => {
      const { db, marks, env, open } = paths('takeover')
      const proc = run('takeover.yaml', 't1', db, env)
      await waitForMark(marks, 't1/slow:1', proc)
      await kill(proc)
      open()
      const leaseExpiresAt = readTable<{ lease_expires_at: number }>(
        db,
        'SELECT lease_expires_at FROM executions WHERE id = ?',
        't1',
      )[0]!.lease_expires_at

      const workerStarted = Date.now()
      const worker = spawnTrellis(['worker', '--db', db, '--actions', ACTIONS], env)
      try {
        const restarted = await waitForEvent(db, 't1', (e) => e.type === 'step.started' && e.attempt === 2, {
          proc: worker,
        })
        // Well before the dead process's lease (30 s) runs out.
        expect(restarted.at).toBeLessThan(leaseExpiresAt - 20_000)
        await waitForEvent(db, 't1', (e) => e.type === 'execution.completed', { proc: worker })
        console.info(`worker took over the dead run's execution ${restarted.at - workerStarted} ms after it started`)
      } finally {
        worker.child.kill('SIGTERM')
        await worker.exited
      }
      const status = await runTrellis(['status', 't1', '--json', '--db', db])
      expect(JSON.parse(status.stdout)).toMatchObject({ status: 'completed', outputs: { result: 42 } })
      const events = readEvents(db, 't1')
      expectSoundLog(events)
      expect(shape(events)).toEqual([
        'execution.started',
        'step.started slow #1',
        'step.started slow #2',
        'step.completed slow #2',
        'step.started quick #1',
        'step.completed quick #1',
        'execution.completed',
      ])
      expect(markCounts(marks)).toEqual({ 't1/slow': 2, 't1/quick': 1 })
    })
  })
})
