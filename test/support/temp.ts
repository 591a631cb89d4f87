import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { onTestFinished } from 'vitest'

/**
 * A new empty directory under the OS temp directory, removed with everything in it when the current test finishes
 * (after its `afterEach` hooks, so stores closed there are closed first). Call inside a test or a `beforeEach`.
 */
export function tempDir(prefix = 'trellis-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A path for a database file that does not exist yet, in a fresh `tempDir()`. */
export function tempDbFile(name = 'trellis.db'): string {
  return join(tempDir(), name)
}
