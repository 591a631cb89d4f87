import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, ROOT, spawnTrellis, tempDir, trellis, waitForOutput, type Running } from '../cli/trellis.js'
import { post, type Json } from './support.js'

/**
 * Issue 7, `trellis serve` as a process: it prints its URL (`--port 0` picks a free port), runs what is started
 * over HTTP to its end, and stops cleanly on SIGTERM (exit 0) and SIGINT (exit 130).
 */

beforeAll(() => assertBuilt())

const cleanups: (() => void)[] = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

function serve(args: readonly string[], env: Record<string, string | undefined> = {}): Running & { db: string } {
  const temp = tempDir('trellis-serve-')
  const running = spawnTrellis(['serve', '--port', '0', '--db', temp.db, ...args], { cwd: temp.dir, env })
  cleanups.push(() => {
    if (running.child.exitCode === null) running.child.kill('SIGKILL')
    temp.cleanup()
  })
  return Object.assign(running, { db: temp.db })
}

async function urlOf(running: Running): Promise<string> {
  await waitForOutput(running, /listening on http:\/\/\S+/)
  return /listening on (http:\/\/\S+)/.exec(running.stdout())![1]!
}

describe('trellis serve', () => {
  it('serves the API and a worker: an execution started over HTTP completes; SIGTERM exits 0', async () => {
    const running = serve(['--workflow', join(ROOT, 'examples/hello.yaml')])
    const url = await urlOf(running)
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const health = (await (await fetch(`${url}/api/health`)).json()) as Json
    expect(health).toMatchObject({ ok: true, store: 'sqlite' })

    const res = await fetch(`${url}/api/executions`, post({ workflow: 'hello', inputs: { name: 'Ada' }, id: 'web-1' }))
    expect(res.status).toBe(201)
    // Follow it to its end on the stream.
    const stream = await fetch(`${url}/api/executions/web-1/stream`)
    const text = await stream.text() // the server closes it after the terminal event
    expect(text).toContain('"type":"execution.completed"')
    expect(text).toMatch(/event: end\ndata: \{"execution_id":"web-1","status":"completed"/)
    const done = (await (await fetch(`${url}/api/executions/web-1`)).json()) as Json
    expect(done).toMatchObject({ status: 'completed', outputs: { greeting: 'Hello, Ada!' } })

    // Logs on stderr: JSON lines (not a terminal) with the execution id.
    expect(running.stderr()).toMatch(/"execution_id":"web-1".*"msg":"execution.completed"/)
    running.child.kill('SIGTERM')
    const result = await running.exited
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('stopped (SIGTERM)')

    // The execution is in the database for the other commands.
    const status = await trellis(['status', 'web-1', '--json', '--db', running.db])
    expect(JSON.parse(status.stdout)).toEqual(done)
  })

  it('runs executions a CLI `start` created (the worker), and exits 130 on SIGINT', async () => {
    const running = serve(['--log-level', 'warn'])
    const url = await urlOf(running)
    const started = await trellis(['start', join(ROOT, 'examples/hello.yaml'), '--id', 'cli-1', '--db', running.db])
    expect(started.code).toBe(0)
    const stream = await fetch(`${url}/api/executions/cli-1/stream`)
    expect(await stream.text()).toContain('"status":"completed"')
    expect(running.stderr()).toBe('') // --log-level warn: no info lines
    running.child.kill('SIGINT')
    expect((await running.exited).code).toBe(130)
  })

  it('refuses a host other than loopback without a token (exit 2), and needs the token when given one', async () => {
    const refused = serve(['--host', '0.0.0.0'])
    const result = await refused.exited
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/Refusing to listen on 0\.0\.0\.0 without a token/)
    expect(result.stdout).toBe('')

    const token = 'a-long-enough-token-for-the-test'
    const guarded = serve(['--host', '0.0.0.0'], { TRELLIS_TOKEN: token })
    const url = (await urlOf(guarded)).replace('0.0.0.0', '127.0.0.1')
    expect((await fetch(`${url}/api/executions`)).status).toBe(401)
    expect((await fetch(`${url}/api/executions`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200)
    expect(guarded.stdout() + guarded.stderr()).not.toContain(token)
    guarded.child.kill('SIGTERM')
    expect((await guarded.exited).code).toBe(0)
  })
})
