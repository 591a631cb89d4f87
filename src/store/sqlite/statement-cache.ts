import type BetterSqlite3 from 'better-sqlite3'
import type { SqliteDatabase, SqliteStatement } from 'kysely'

/** Prepared statements kept per connection: the commit path runs the same few SQL texts over and over. */
const CACHED_STATEMENTS = 200

/**
 * The better-sqlite3 database as Kysely's SqliteDialect sees it, with `prepare` cached (least recently used out
 * first), so a query Kysely has compiled before skips SQLite's parser and planner.
 */
export function withStatementCache(raw: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>()
  return {
    close: () => raw.close(),
    prepare(sqlText: string): SqliteStatement {
      let statement = cache.get(sqlText)
      if (statement !== undefined) {
        cache.delete(sqlText) // re-inserted below: most recently used last
      } else {
        statement = raw.prepare(sqlText)
        if (cache.size >= CACHED_STATEMENTS) cache.delete(cache.keys().next().value as string)
      }
      cache.set(sqlText, statement)
      return statement
    },
  }
}
