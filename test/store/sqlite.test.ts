import { spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { describe, expect, it, onTestFinished } from 'vitest'
import { InvalidOptionError } from '../../src/util/index.js'
import { StoreUnavailableError, type Store } from '../../src/store/index.js'
import { latestVersion } from '../../src/store/sql/index.js'
import { openSqliteStore, type SqliteStoreOptions } from '../../src/store/sqlite/index.js'
import { FakeClock } from '../../src/testing/fake-clock.js'
import { holder, newExecution, stepStarted } from '../support/store-fixtures.js'
import { tempDbFile, tempDir } from '../support/temp.js'
import { realSleep, waitUntil } from '../support/wait.js'
import { storeConformance, type SharedDatabase } from './conformance.js'

/** A store on `path` that is closed when the test finishes. */
async function openForTest(options: SqliteStoreOptions): Promise<Store> {
  const store = await openSqliteStore(options)
  onTestFinished(() => store.close())
  return store
}

/** A fresh database file several stores can open; they are closed, and the file removed, after the test. */
async function sharedFile(clock: FakeClock): Promise<SharedDatabase> {
  const path = tempDbFile()
  return {
    open: () => openForTest({ path, clock }),
    execute: async (sqlText) => {
      const raw = new BetterSqlite3(path)
      try {
        raw.exec(sqlText)
      } finally {
        raw.close()
      }
    },
  }
}

storeConformance('sqlite :memory:', (clock) => openSqliteStore({ path: ':memory:', clock }))
storeConformance('sqlite file', (clock) => openSqliteStore({ path: tempDbFile(), clock }), { shared: sharedFile })

describe('SQLite store', () => {
  it('keeps what was committed across close and reopen', async () => {
    const clock = new FakeClock()
    const path = tempDbFile()
    const first = await openSqliteStore({ path, clock })
    await first.migrate()
    await first.createExecution(newExecution('e1', clock.now()))
    const lease = (await first.acquire('e1', holder('h'), clock.now(), 1_000))!
    await first.commit(lease, { execution: { status: 'running' }, events: [stepStarted('a')] }, clock.now())
    await first.close()
    await first.close() // closing twice is fine

    const again = await openForTest({ path, clock })
    await again.migrate()
    expect(await again.findExecution('e1')).toMatchObject({ status: 'running', lastSeq: 1 })
    expect(await again.readEvents('e1', 0, 10)).toHaveLength(1)
  })

  it('uses WAL on files, and the synchronous level asked for', async () => {
    const path = tempDbFile()
    const store = await openForTest({ path, synchronous: 'FULL' })
    await store.migrate()
    const raw = new BetterSqlite3(path, { readonly: true })
    onTestFinished(() => void raw.close())
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal')
  })

  it("onExternalChange fires for another store's commit, not for the store's own", async () => {
    const clock = new FakeClock()
    const path = tempDbFile()
    const a = await openForTest({ path, clock })
    const b = await openForTest({ path, clock })
    await a.migrate()
    await a.createExecution(newExecution('e1', clock.now()))
    const heard = { a: 0, b: 0 }
    const stopA = a.onExternalChange(() => heard.a++)
    b.onExternalChange(() => heard.b++)

    const lease = (await a.acquire('e1', holder('h'), clock.now(), 1_000))!
    await a.commit(lease, { events: [stepStarted('s')] }, clock.now())
    await waitUntil(() => heard.b > 0, { what: 'b to hear of a’s commit' })
    await realSleep(100) // five polls: enough for a to hear of its own commit, if it wrongly did
    expect(heard.a).toBe(0)

    stopA()
    await b.appendSignal('e1', 't', null, clock.now())
    await realSleep(100)
    expect(heard.a).toBe(0) // unsubscribed
  })

  it('onExternalChange on :memory: never fires and unsubscribes cleanly', async () => {
    const store = await openForTest({ path: ':memory:' })
    const stop = store.onExternalChange(() => {
      throw new Error('must not be called')
    })
    stop()
  })

  it('lets ten processes migrate one fresh file at once', async () => {
    const dir = tempDir()
    const path = join(dir, 'trellis.db')
    const go = join(dir, 'go')
    const children = Array.from({ length: 10 }, () => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/sqlite-migrate-child.ts', path, go], {
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      let output = ''
      const ready = new Promise<void>((resolve) =>
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString()
          if (output.includes('ready')) resolve()
        }),
      )
      const exited = new Promise<{ code: number | null; output: string }>((resolve) =>
        child.on('close', (code) => resolve({ code, output })),
      )
      return { ready, exited }
    })
    await Promise.all(children.map((c) => c.ready))
    writeFileSync(go, '')
    const results = await Promise.all(children.map((c) => c.exited))

    for (const result of results) expect(result).toEqual({ code: 0, output: 'ready\nmigrated\n' })
    const raw = new BetterSqlite3(path, { readonly: true })
    onTestFinished(() => void raw.close())
    expect(raw.prepare('SELECT version FROM trellis_migrations ORDER BY version').pluck().all()).toEqual(
      Array.from({ length: latestVersion() }, (_, i) => i + 1),
    )
  }, 60_000)

  it('fails with StoreUnavailableError when another connection holds the write lock past the busy timeout', async () => {
    const path = tempDbFile()
    const store = await openForTest({ path, busyTimeoutMs: 50 })
    await store.migrate()
    const other = new BetterSqlite3(path)
    onTestFinished(() => void other.close())
    other.exec('BEGIN IMMEDIATE')

    const error = await store.createExecution(newExecution('e1', 0)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StoreUnavailableError)
    expect((error as Error).message).toContain(`The database at ${path} is busy`)
    other.exec('ROLLBACK')
    expect((await store.createExecution(newExecution('e1', 0))).created).toBe(true)
  })

  it('fails with StoreUnavailableError for a file that is not a database, or a missing directory', async () => {
    const path = tempDbFile()
    writeFileSync(path, 'this is not a database, just text that is long enough to have a header. '.repeat(10))
    await expect(openSqliteStore({ path })).rejects.toThrow(StoreUnavailableError)
    await expect(openSqliteStore({ path: join(tempDir(), 'no', 'such', 'dir.db') })).rejects.toThrow(
      /Cannot open the SQLite database at .*dir\.db/,
    )
  })

  it('with fileMustExist, does not create a missing file', async () => {
    const path = tempDbFile()
    await expect(openSqliteStore({ path, fileMustExist: true })).rejects.toThrow(StoreUnavailableError)
    expect(existsSync(path)).toBe(false)
  })

  it('rejects bad options', async () => {
    await expect(openSqliteStore({ path: ':memory:', busyTimeoutMs: -1 })).rejects.toThrow(InvalidOptionError)
    await expect(openSqliteStore({ path: ':memory:', synchronous: 'OFF' as 'FULL' })).rejects.toThrow(
      InvalidOptionError,
    )
    await expect(openSqliteStore({ path: '' })).rejects.toThrow(InvalidOptionError)
  })
})
