// Helpers for crash tests with real processes: read the SQLite file directly (read-only, so the reader never
// takes part in the engine's writes), wait for events, read the marks the actions write outside the engine.
import { existsSync, readFileSync } from 'node:fs'
import Database from 'better-sqlite3'
import { expect } from 'vitest'
import type { TrellisProcess } from '../support/cli.js'

export const TERMINAL = ['execution.completed', 'execution.failed', 'execution.cancelled']

/** An event as stored, with its data parsed. */
export interface Row {
  execution_id: string
  seq: number
  type: string
  at: number
  step: string | null
  idx: number | null
  attempt: number | null
  data: Record<string, unknown>
}

/** Runs `fn` on a read-only connection to the file; undefined when the file or its schema is not there yet. */
function query<T>(dbFile: string, fn: (db: Database.Database) => T): T | undefined {
  if (!existsSync(dbFile)) return undefined
  const db = new Database(dbFile, { readonly: true, fileMustExist: true })
  try {
    db.pragma('busy_timeout = 2000')
    return fn(db)
  } catch {
    return undefined // the schema may not exist yet
  } finally {
    db.close()
  }
}

/** Every event of the execution (all executions when `id` is omitted), in order. */
export function readEvents(dbFile: string, id?: string): Row[] {
  const rows =
    query(dbFile, (db) =>
      id === undefined
        ? (db.prepare('SELECT * FROM events ORDER BY execution_id, seq').all() as Row[])
        : (db.prepare('SELECT * FROM events WHERE execution_id = ? ORDER BY seq').all(id) as Row[]),
    ) ?? []
  return rows.map((row) => ({ ...row, data: JSON.parse(row.data as unknown as string) as Record<string, unknown> }))
}

/** Rows of a table, for checks the engine's API does not show (signals' consumers, leftovers after gc). */
export function readTable<T = Record<string, unknown>>(dbFile: string, sql: string, ...params: unknown[]): T[] {
  return query(dbFile, (db) => db.prepare(sql).all(...params) as T[]) ?? []
}

/** Polls the file every 10 ms until an event of `id` matches; fails after `timeoutMs` or when `proc` exits first. */
export async function waitForEvent(
  dbFile: string,
  id: string,
  match: (row: Row) => boolean,
  options: { timeoutMs?: number; proc?: TrellisProcess } = {},
): Promise<Row> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000)
  for (;;) {
    const found = readEvents(dbFile, id).find(match)
    if (found !== undefined) return found
    if (options.proc !== undefined && options.proc.child.exitCode !== null) {
      const { stdout, stderr } = await options.proc.exited
      throw new Error(`the process exited before the event came:\n${stdout}\n${stderr}`)
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for an event of ${id} in ${dbFile}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Polls until the marks file holds `mark` (the attempt really runs, not only its `step.started`). */
export async function waitForMark(file: string, mark: string, proc: TrellisProcess, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!readMarks(file).includes(mark)) {
    if (proc.child.exitCode !== null) throw new Error(`the process exited before the mark ${mark}`)
    if (Date.now() > deadline) throw new Error(`timed out waiting for the mark ${mark} in ${file}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** SIGKILL: the process gets no chance to clean up (no lease release, no last write). */
export async function kill(proc: TrellisProcess): Promise<void> {
  proc.child.kill('SIGKILL')
  const { signal } = await proc.exited
  expect(signal).toBe('SIGKILL')
}

/** The marks written so far: one `<execution id>/<step>[/<index>]:<attempt>` per attempt that really ran. */
export function readMarks(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []
}

/** How many attempts of each `<execution id>/<step>` really ran. */
export function markCounts(file: string): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const mark of readMarks(file)) {
    const key = mark.slice(0, mark.lastIndexOf(':'))
    counts[key] = (counts[key] ?? 0) + 1
  }
  return counts
}

/**
 * Guarantees 1 and 2 on one execution's log: seq 1..n with no gap, exactly one terminal event and it is last; no
 * step completed twice or both completed and failed (guarantee 5).
 */
export function expectSoundLog(events: Row[], terminal = 'execution.completed'): void {
  const id = events[0]?.execution_id
  expect(
    events.map((e) => e.seq),
    `${id}: seq gapless`,
  ).toEqual(events.map((_, i) => i + 1))
  expect(
    events.filter((e) => TERMINAL.includes(e.type)).map((e) => e.type),
    `${id}: one terminal event`,
  ).toEqual([terminal])
  expect(events.at(-1)?.type, `${id}: the terminal event is last`).toBe(terminal)
  const ended = events
    .filter((e) => e.type === 'step.completed' || e.type === 'step.failed')
    .map((e) => `${e.step}/${e.idx}`)
  expect(ended, `${id}: each step ends once`).toEqual([...new Set(ended)])
}

/** The log as `type step` lines (attempts where they matter), for comparing a run with the one it should equal. */
export function shape(events: Row[]): string[] {
  return events.map((e) => [e.type, e.step, e.attempt === null ? null : `#${e.attempt}`].filter(Boolean).join(' '))
}
