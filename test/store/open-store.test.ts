import { existsSync } from 'node:fs'
import { join } from 'node:path'
import BetterSqlite3 from 'better-sqlite3'
import { describe, expect, it, onTestFinished } from 'vitest'
import { DEFAULT_DB_PATH, describeDb, openStore, parseDb } from '../../src/open-store.js'
import { SchemaTooNewError, StoreUnavailableError, type Store } from '../../src/store/index.js'
import { FakeClock } from '../../src/testing/fake-clock.js'
import { InvalidOptionError } from '../../src/util/index.js'
import { newExecution } from '../support/store-fixtures.js'
import { tempDbFile, tempDir } from '../support/temp.js'

async function opened(store: Promise<Store | null>): Promise<Store> {
  const result = await store
  if (result === null) throw new Error('expected a store')
  onTestFinished(() => result.close())
  return result
}

describe('parseDb', () => {
  it.each([
    [undefined, { kind: 'sqlite', path: DEFAULT_DB_PATH, isDefault: true }],
    ['data/t.db', { kind: 'sqlite', path: 'data/t.db', isDefault: false }],
    ['sqlite:data/t.db', { kind: 'sqlite', path: 'data/t.db', isDefault: false }],
    ['sqlite:///var/t.db', { kind: 'sqlite', path: '/var/t.db', isDefault: false }],
    ['sqlite://t.db', { kind: 'sqlite', path: 't.db', isDefault: false }],
    [':memory:', { kind: 'sqlite', path: ':memory:', isDefault: false }],
    ['sqlite::memory:', { kind: 'sqlite', path: ':memory:', isDefault: false }],
    ['postgres://u:p@db/trellis', { kind: 'postgres', url: 'postgres://u:p@db/trellis' }],
    ['postgresql://db/trellis', { kind: 'postgres', url: 'postgresql://db/trellis' }],
  ])('%s', (db, expected) => {
    expect(parseDb(db)).toEqual(expected)
  })

  it('rejects other URL schemes and empty values', () => {
    expect(() => parseDb('mysql://db/x')).toThrow(InvalidOptionError)
    expect(() => parseDb('')).toThrow(InvalidOptionError)
    expect(() => parseDb('sqlite:')).toThrow(InvalidOptionError)
  })
})

describe('describeDb', () => {
  it('prints paths as given and hides URL passwords', () => {
    expect(describeDb(undefined)).toBe(DEFAULT_DB_PATH)
    expect(describeDb('sqlite:x.db')).toBe('x.db')
    expect(describeDb('postgres://me:secret@db:5432/trellis')).toBe('postgres://me:***@db:5432/trellis')
  })
})

describe('openStore', () => {
  it('opens and migrates a SQLite file, creating it', async () => {
    const path = tempDbFile()
    const store = await opened(openStore(`sqlite:${path}`, { clock: new FakeClock() }))
    expect(store).toMatchObject({ dialect: 'sqlite', location: path })
    expect((await store.createExecution(newExecution('e1', 0))).created).toBe(true)
    expect(existsSync(path)).toBe(true)
  })

  it('opens :memory:', async () => {
    const store = await opened(openStore(':memory:'))
    expect((await store.createExecution(newExecution('e1', 0))).created).toBe(true)
  })

  it('with createIfMissing false, returns null for a missing file and creates nothing', async () => {
    const dir = tempDir()
    expect(await openStore(join(dir, 'none.db'), { createIfMissing: false })).toBeNull()
    expect(existsSync(join(dir, 'none.db'))).toBe(false)

    const cwd = process.cwd()
    process.chdir(dir)
    try {
      expect(await openStore(undefined, { createIfMissing: false })).toBeNull()
      expect(existsSync(join(dir, '.trellis'))).toBe(false)
    } finally {
      process.chdir(cwd)
    }
  })

  it('with createIfMissing false, opens an existing file', async () => {
    const path = tempDbFile()
    await (await openStore(path))?.close()
    const store = await opened(openStore(path, { createIfMissing: false }))
    expect(await store.listExecutions({})).toEqual([])
  })

  it('without --db, uses ./.trellis/trellis.db, creating the directory', async () => {
    const dir = tempDir()
    const cwd = process.cwd()
    process.chdir(dir)
    try {
      const store = await opened(openStore(undefined))
      expect(store.location).toBe(DEFAULT_DB_PATH)
      expect(existsSync(join(dir, '.trellis', 'trellis.db'))).toBe(true)
    } finally {
      process.chdir(cwd)
    }
  })

  it('opens PostgreSQL URLs with the PostgreSQL store: an unreachable server is a StoreUnavailableError', async () => {
    const error = await openStore('postgresql://me:secret@127.0.0.1:1/trellis?schema=demo').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StoreUnavailableError)
    expect((error as Error).message).toMatch(
      /^Cannot reach PostgreSQL at postgresql:\/\/me:\*\*\*@127\.0\.0\.1:1\/trellis\?schema=demo: /,
    )
  })

  it('refuses a PostgreSQL ?schema= that is not a plain identifier, before connecting', async () => {
    await expect(openStore('postgres://127.0.0.1:1/trellis?schema=Robert%27);drop')).rejects.toThrow(InvalidOptionError)
  })

  it('throws SchemaTooNewError for a database from a newer Trellis', async () => {
    const path = tempDbFile()
    await (await openStore(path))?.close()
    const raw = new BetterSqlite3(path)
    raw.exec(`INSERT INTO trellis_migrations (version, name, applied_at) VALUES (99, 'future', 0)`)
    raw.close()
    await expect(openStore(path)).rejects.toThrow(SchemaTooNewError)
  })
})
