/**
 * A separate process that opens (and so migrates) a SQLite store, for the "many migrators at once" test.
 * Usage: node --import tsx test/support/sqlite-migrate-child.ts DB_FILE GO_FILE
 * Prints "ready", waits until GO_FILE exists (so every child starts migrating at the same moment), opens the
 * store, prints "migrated" and exits 0; on error prints it and exits 1.
 */
import { existsSync } from 'node:fs'
import { openStore } from '../../src/open-store.js'

const [dbFile, goFile] = process.argv.slice(2)
if (dbFile === undefined || goFile === undefined) throw new Error('usage: sqlite-migrate-child.ts DB_FILE GO_FILE')
process.stdout.write('ready\n')
while (!existsSync(goFile)) await new Promise((resolve) => setTimeout(resolve, 1))
try {
  const store = await openStore(dbFile)
  await store?.close()
  process.stdout.write('migrated\n')
} catch (error) {
  process.stdout.write(`failed: ${String(error)}\n`)
  process.exitCode = 1
}
