/**
 * The raw ceiling of the SQLite store on this machine, in the same run and on the same settings as the engine:
 * small write transactions per second (`BEGIN IMMEDIATE`; insert one small row; `COMMIT`, each a prepared
 * statement) on a file opened by `openStore` with the mode's `synchronous`, written through a second better-sqlite3
 * connection that is given the same pragmas as the store's own.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { openStore } from '../src/open-store.js'
import { resolveSqliteStoreOptions } from '../src/store/sqlite/index.js'

export interface CeilingParams {
  /** How long to measure. @default 2000 */
  readonly durationMs: number
  /** How long to run before measuring. @default 300 */
  readonly warmupMs: number
}

export const CEILING_FULL: CeilingParams = { durationMs: 2_000, warmupMs: 300 }

/** Transactions per second of the raw loop on a fresh file for `synchronous` (undefined: the store's default). */
export async function measureSqliteCeiling(
  synchronous: 'NORMAL' | 'FULL' | undefined,
  params: CeilingParams = CEILING_FULL,
): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'trellis-ceiling-'))
  const path = join(dir, 'trellis.db')
  // The engine's file: created, set to WAL and migrated by the store itself.
  const store = await openStore(path, { synchronous })
  if (store === null) throw new Error('unreachable: openStore created nothing')
  const raw = new BetterSqlite3(path)
  try {
    // Exactly the pragmas openSqliteStore gives its connection (src/store/sqlite/sqlite-store.ts), with the values
    // the store resolves from the same options; journal_mode=WAL is a property of the file, set by the store above.
    const options = resolveSqliteStoreOptions({ path, synchronous })
    raw.pragma(`busy_timeout = ${options.busyTimeoutMs}`)
    raw.pragma('journal_mode = WAL')
    raw.pragma(`synchronous = ${options.synchronous}`)
    raw.pragma('foreign_keys = ON')
    const journal = raw.pragma('journal_mode', { simple: true }) as string
    if (journal !== 'wal') throw new Error(`ceiling: the store left the file in journal_mode ${journal}, not wal`)
    raw.exec(
      'create table if not exists bench_ceiling (id integer primary key, execution_id text not null, at integer not null, data text not null)',
    )
    const begin = raw.prepare('begin immediate')
    const insert = raw.prepare('insert into bench_ceiling (execution_id, at, data) values (?, ?, ?)')
    const commit = raw.prepare('commit')
    const loop = (ms: number): { count: number; elapsed: number } => {
      let count = 0
      const start = performance.now()
      let now = start
      while (now - start < ms) {
        for (let i = 0; i < 50; i++) {
          begin.run()
          insert.run('bench-ceiling', Date.now(), '{"type":"step.completed","data":{"output":1}}')
          commit.run()
        }
        count += 50
        now = performance.now()
      }
      return { count, elapsed: now - start }
    }
    loop(params.warmupMs)
    const { count, elapsed } = loop(params.durationMs)
    return (count * 1000) / elapsed
  } finally {
    raw.close()
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
