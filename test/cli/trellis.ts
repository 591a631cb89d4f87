// Helpers for the CLI tests: spawn the real `bin/trellis.js` with node, in a temp directory, with a temp --db.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TrellisEvent } from '../../src/events/index.js'
import { openStore } from '../../src/open-store.js'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const BIN = join(ROOT, 'bin/trellis.js')
export const FIXTURES = join(ROOT, 'test/fixtures/cli')

/** A fixture file's absolute path. */
export function fixture(name: string): string {
  return join(FIXTURES, name)
}

/** What a finished `trellis` process gave. */
export interface Result {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

export interface SpawnOptions {
  readonly cwd?: string
  readonly env?: Readonly<Record<string, string | undefined>>
}

/** A running `trellis` process whose output is collected. */
export interface Running {
  readonly child: ChildProcess
  stdout(): string
  stderr(): string
  readonly exited: Promise<Result>
}

/** Fails early with a clear message when the CLI was not built. */
export function assertBuilt(): void {
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) {
    throw new Error('dist/cli/main.js is missing: run `npm run build` before the CLI tests')
  }
}

function environment(extra: SpawnOptions['env']): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' }
  delete env['TRELLIS_DB']
  for (const [key, value] of Object.entries(extra ?? {})) {
    if (value === undefined) delete env[key]
    else env[key] = value
  }
  return env
}

/** Starts `node bin/trellis.js …args`. */
export function spawnTrellis(args: readonly string[], options: SpawnOptions = {}): Running {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: environment(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<Result>((resolveExit, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => resolveExit({ code, signal, stdout, stderr }))
  })
  return { child, stdout: () => stdout, stderr: () => stderr, exited }
}

/** Runs `trellis …args` to its end. */
export function trellis(args: readonly string[], options: SpawnOptions = {}): Promise<Result> {
  return spawnTrellis(args, options).exited
}

/** Parsed JSON output, loosely typed on purpose: the tests check its shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any

/** Parses stdout as one JSON document, failing with the output when it is not. */
export function json<T = Json>(result: Result): T {
  try {
    return JSON.parse(result.stdout) as T
  } catch {
    throw new Error(
      `stdout is not one JSON document (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`,
    )
  }
}

/** A fresh temp directory, removed by `cleanup`. */
export function tempDir(prefix = 'trellis-cli-'): { dir: string; db: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, db: join(dir, 'trellis.db'), cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Polls `check` every 50 ms until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Waits until the execution has an event matching `match` (read from the database in this process). */
export async function waitForEvent(
  db: string,
  id: string,
  match: (event: TrellisEvent) => boolean,
  timeoutMs?: number,
): Promise<TrellisEvent> {
  await waitFor(`database ${db}`, async () => (existsSync(db) ? true : undefined), timeoutMs)
  const store = await openStore(db, { createIfMissing: false })
  if (store === null) throw new Error(`no database at ${db}`)
  try {
    return await waitFor(
      `an event of ${id}`,
      async () => (await store.readEvents(id, 0, 10_000)).find(match),
      timeoutMs,
    )
  } finally {
    await store.close()
  }
}

/** Waits until a running process has printed something matching `pattern` on stdout. */
export function waitForOutput(running: Running, pattern: RegExp, timeoutMs?: number): Promise<true> {
  return waitFor(
    `output matching ${pattern}`,
    async () => (pattern.test(running.stdout()) ? true : undefined),
    timeoutMs,
  )
}
