import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { runTrellis, spawnTrellis } from '../support/cli.js'

/**
 * execution-model.md guarantee 8, with real processes: `trellis run` is killed with SIGKILL after the k-th event
 * of its log (k random over a normal run's length), then `trellis resume` finishes the execution. The marks the
 * actions write outside the engine prove that no step whose completion was committed ran again.
 * `npm run torture` runs 200 trials; `npm test` runs 20.
 */
const TRIALS = Number(process.env.TRELLIS_CRASH_TRIALS ?? 20)
const FIXTURES = resolve(import.meta.dirname, '../fixtures/crash')
const WORKFLOW = join(FIXTURES, 'pipeline.yaml')
const ACTIONS = join(FIXTURES, 'marking-actions.ts')
const dir = mkdtempSync(join(tmpdir(), 'trellis-crash-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface Row {
  seq: number
  type: string
  step: string | null
  idx: number | null
  attempt: number | null
}

function readEvents(dbFile: string): Row[] {
  if (!existsSync(dbFile)) return []
  const db = new Database(dbFile, { readonly: true, fileMustExist: true })
  try {
    db.pragma('busy_timeout = 2000')
    return db.prepare('SELECT seq, type, step, idx, attempt FROM events ORDER BY seq').all() as Row[]
  } catch {
    return [] // the schema may not exist yet
  } finally {
    db.close()
  }
}

/** Steps (and iterations) whose completion is in the log. */
function completedKeys(events: Row[]): Set<string> {
  return new Set(
    events.filter((e) => e.type === 'step.completed').map((e) => (e.idx === null ? e.step! : `${e.step}/${e.idx}`)),
  )
}

/** True when the log shows an attempt that started and has not ended. */
function hasRunningAttempt(events: Row[]): boolean {
  const open = new Set<string>()
  for (const e of events) {
    const key = `${e.step}/${e.idx}`
    if (e.type === 'step.started') open.add(key)
    if (['step.completed', 'step.retrying', 'step.failed', 'step.cancelled'].includes(e.type)) open.delete(key)
  }
  return open.size > 0
}

async function normalRunLength(): Promise<number> {
  const db = join(dir, 'baseline.db')
  const result = await runTrellis(['run', WORKFLOW, '--db', db, '--actions', ACTIONS, '--id', 'baseline'], {
    TRELLIS_MARKS: join(dir, 'baseline.marks'),
  })
  expect(result.stderr).toBe('')
  expect(result.code).toBe(0)
  return readEvents(db).length
}

describe('crash recovery with real processes (guarantee 8)', () => {
  it(`survives SIGKILL after a random event, ${TRIALS} trials`, { timeout: 60_000 + TRIALS * 6_000 }, async () => {
    const total = await normalRunLength()
    expect(total).toBeGreaterThan(20)
    let interruptedAttempts = 0
    let seed = 42
    const random = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31
    for (let trial = 0; trial < TRIALS; trial++) {
      const k = 1 + Math.floor(random() * (total - 1))
      const db = join(dir, `trial-${trial}.db`)
      const marks = join(dir, `trial-${trial}.marks`)
      writeFileSync(marks, '')
      const id = `crash-${trial}`
      const run = spawnTrellis(['run', WORKFLOW, '--db', db, '--actions', ACTIONS, '--id', id], {
        TRELLIS_MARKS: marks,
      })
      let atKill: Row[] = []
      for (;;) {
        atKill = readEvents(db)
        if (atKill.length >= k || run.child.exitCode !== null) break
        await new Promise((r) => setTimeout(r, 2))
      }
      run.child.kill('SIGKILL')
      await run.exited
      // What was committed at the instant of death (the kill lands a moment after this read, never before it).
      const committed = readEvents(db)
      if (hasRunningAttempt(committed) && !committed.some((e) => e.type.startsWith('execution.c')))
        interruptedAttempts++
      const marksBefore = readFileSync(marks, 'utf8').split('\n').filter(Boolean).length

      const resumed = await runTrellis(['resume', id, '--db', db, '--actions', ACTIONS, '--json'], {
        TRELLIS_MARKS: marks,
      })
      expect(resumed.stderr, `trial ${trial} (k=${k})`).toBe('')
      expect(resumed.code, `trial ${trial} (k=${k})`).toBe(0)
      expect(JSON.parse(resumed.stdout)).toMatchObject({ status: 'completed', outputs: { result: [10, 20, 30, 40] } })

      const events = readEvents(db)
      expect(
        events.map((e) => e.seq),
        `trial ${trial}: gapless`,
      ).toEqual(events.map((_, i) => i + 1))
      expect(
        events.filter(
          (e) =>
            e.type.startsWith('execution.') &&
            ['execution.completed', 'execution.failed', 'execution.cancelled'].includes(e.type),
        ),
      ).toHaveLength(1)
      const done = completedKeys(committed)
      const after = readFileSync(marks, 'utf8').split('\n').filter(Boolean).slice(marksBefore)
      const rerun = after.map((m) => m.split(':')[0]!).filter((key) => done.has(key))
      expect(rerun, `trial ${trial}: completed steps ran again`).toEqual([])
      for (const key of completedKeys(events)) {
        const completions = events.filter(
          (e) => e.type === 'step.completed' && (e.idx === null ? e.step : `${e.step}/${e.idx}`) === key,
        )
        expect(completions, `trial ${trial}: ${key} completed once`).toHaveLength(1)
      }
    }
    expect(interruptedAttempts, 'at least half the trials interrupt a running attempt').toBeGreaterThanOrEqual(
      TRIALS / 2,
    )
  })
})
