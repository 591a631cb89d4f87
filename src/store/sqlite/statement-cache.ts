import type BetterSqlite3 from 'better-sqlite3'
import type { SqliteDatabase, SqliteStatement } from 'kysely'

/** Prepared statements kept per connection: the store runs the same few SQL texts over and over. */
const CACHED_STATEMENTS = 200

/**
 * The better-sqlite3 database as Kysely's SqliteDialect sees it, with `prepare` cached, so a query Kysely has compiled
 * before skips SQLite's parser and planner. A hit is one Map lookup; when the cache is full, the oldest entry goes
 * (the working set is a few dozen texts, far below the bound, so recency bookkeeping on every hit is not worth it).
 */
export function withStatementCache(raw: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>()
  return {
    close: () => raw.close(),
    prepare(sqlText: string): SqliteStatement {
      let statement = cache.get(sqlText)
      if (statement === undefined) {
        statement = raw.prepare(sqlText)
        if (cache.size >= CACHED_STATEMENTS) cache.delete(cache.keys().next().value as string)
        cache.set(sqlText, statement)
      }
      return statement
    },
  }
}
