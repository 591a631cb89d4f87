import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { REPO, TRELLIS_BIN } from '../../support/cli.js'

/** A `trellis serve` process. */
export interface Server {
  readonly url: string
  /** Everything it printed so far, for failure messages. */
  output(): string
  stop(): Promise<void>
}

/** How to run the CLI: Node's arguments before `serve` (default: the built `bin/trellis.js`). */
export interface ServerOptions {
  /** e.g. `['--import', 'tsx', 'bench/ui-serve.ts']` for the CLI from source. @default [bin/trellis.js] */
  readonly entry?: readonly string[]
}

/**
 * Starts the real server, `node bin/trellis.js serve --port 0 --db DB` plus `args`, and resolves with its URL once
 * it says it listens. Needs `npm run build` (the CLI in dist/ and the UI in dist/ui); with another `entry`, only
 * the UI.
 */
export async function startServer(
  db: string,
  args: readonly string[] = [],
  options: ServerOptions = {},
): Promise<Server> {
  const entry = options.entry ?? [TRELLIS_BIN]
  const built = options.entry === undefined ? ['dist/cli/main.js', 'dist/ui/index.html'] : ['dist/ui/index.html']
  for (const file of built) {
    if (!existsSync(join(REPO, file))) throw new Error(`${file} is missing: run npm run build before the UI tests`)
  }
  const child = spawn(
    process.execPath,
    [...entry, 'serve', '--port', '0', '--db', db, '--log-level', 'warn', ...args],
    {
      cwd: REPO,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  const proc = { child, exited: new Promise<void>((done) => child.on('close', () => done())) }
  let out = ''
  let exited = false
  void proc.exited.then(() => (exited = true))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.child.kill('SIGKILL')
      reject(new Error(`trellis serve did not start listening within 20 s:\n${out}`))
    }, 20_000)
    const onData = (chunk: Buffer) => {
      out += chunk.toString()
      const match = /listening on (http:\/\/\S+)/.exec(out)
      if (match !== null) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    }
    proc.child.stdout?.on('data', onData)
    proc.child.stderr?.on('data', onData)
    void proc.exited.then(() => {
      clearTimeout(timer)
      reject(new Error(`trellis serve exited before it listened:\n${out}`))
    })
  })
  return {
    url,
    output: () => out,
    async stop() {
      if (exited) return
      proc.child.kill('SIGTERM')
      const timer = setTimeout(() => proc.child.kill('SIGKILL'), 5_000)
      await proc.exited
      clearTimeout(timer)
    },
  }
}

/** Calls the API of a running server as JSON; throws with the error body on a non-2xx answer. */
export async function callApi<T>(server: Server, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`)
  return JSON.parse(text) as T
}
