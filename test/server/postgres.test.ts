import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { serve, type ServerType } from '@hono/node-server'
import { expect, it, onTestFinished } from 'vitest'
import { createTestEngine } from '../../src/testing/index.js'
import { assertBuilt, ROOT, spawnTrellis, trellis, waitForOutput } from '../cli/trellis.js'
import { describePostgres, openPostgresForTest, PG_URL, schemaForCurrentTest } from '../support/postgres.js'
import { body, createTestServer, eventually, GATED, post, wf, type Json } from './support.js'
import { openSse } from './sse-client.js'

/**
 * Issue 7: the API works on PostgreSQL as on SQLite. Another process's commits reach the streams through
 * LISTEN/NOTIFY; the server's own run to completion.
 */

describePostgres('the HTTP API on PostgreSQL', () => {
  it('starts, streams and steers executions; follows another process', async () => {
    const schema = schemaForCurrentTest()
    const mine = await openPostgresForTest(schema)
    await mine.migrate()
    const theirs = await openPostgresForTest(schema)
    const s = await createTestServer({ store: mine })
    const http = await new Promise<ServerType>((resolve) => {
      const server = serve({ fetch: s.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(server))
    })
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
    onTestFinished(async () => {
      s.app.close()
      await new Promise<void>((resolve) => {
        http.close(() => resolve())
        ;(http as { closeAllConnections?: () => void }).closeAllConnections?.()
      })
      await s.close()
    })
    expect(await body(await fetch(`${url}/api/health`))).toMatchObject({ store: 'postgres' })

    // Started here: runs here.
    expect((await fetch(`${url}/api/executions`, post({ workflow: 'hello', id: 'h1' }))).status).toBe(201)
    const hello = await openSse(`${url}/api/executions/h1/stream`)
    onTestFinished(() => hello.close())
    const helloEvents = await hello.until((m) => m.event === 'end')
    expect(helloEvents.map((m) => m.id)).toEqual(['1', '2', '3', '4', '5', '6', null])

    // Run by another process on the same database: followed through LISTEN/NOTIFY.
    const other = await createTestEngine({ store: theirs })
    onTestFinished(() => other.close())
    await other.engine.create(wf(GATED), {}, { id: 'x1' })
    const stream = await openSse(`${url}/api/executions/x1/stream`)
    onTestFinished(() => stream.close())
    await other.engine.resume('x1')
    const parked = await stream.until((m) => m.data.includes('"execution.suspended"'))
    expect(parked.map((m) => m.id)).toEqual(['1', '2', '3', '4', '5'])
    expect((await fetch(`${url}/api/executions/x1/signal`, post({ topic: 'go', data: 1 }))).status).toBe(200)
    const rest = await stream.until((m) => m.event === 'end')
    expect(JSON.parse(rest.at(-1)!.data)).toMatchObject({ status: 'completed' })

    const list = await body(await fetch(`${url}/api/executions?limit=1`))
    expect(list.executions.map((e: Json) => e.id)).toEqual(['x1'])
    const next = await body(await fetch(`${url}/api/executions?limit=1&cursor=${list.next_cursor}`))
    expect(next.executions.map((e: Json) => e.id)).toEqual(['h1'])
    await eventually('x1 completed', async () =>
      (await body(await fetch(`${url}/api/executions/x1`))).status === 'completed' ? true : undefined,
    )
  })

  it('`trellis serve --db postgres://…` serves the API and a worker; SIGTERM exits 0', async () => {
    assertBuilt()
    const db = `${PG_URL}?schema=${schemaForCurrentTest()}`
    const hello = join(ROOT, 'examples/hello.yaml')
    const running = spawnTrellis(['serve', '--port', '0', '--db', db, '--log-level', 'warn', '--workflow', hello])
    onTestFinished(() => void (running.child.exitCode === null && running.child.kill('SIGKILL')))
    await waitForOutput(running, /listening on http:\/\/\S+/)
    const url = /listening on (http:\/\/\S+)/.exec(running.stdout())![1]!
    expect(await body(await fetch(`${url}/api/health`))).toMatchObject({ ok: true, store: 'postgres' })

    // Started over HTTP: runs in the server's process.
    const res = await fetch(`${url}/api/executions`, post({ workflow: 'hello', inputs: { name: 'Ada' }, id: 'web-1' }))
    expect(res.status).toBe(201)
    expect(await (await fetch(`${url}/api/executions/web-1/stream`)).text()).toContain('"status":"completed"')
    // Created by another process: its worker runs it.
    expect((await trellis(['start', hello, '--id', 'cli-1', '--db', db])).code).toBe(0)
    expect(await (await fetch(`${url}/api/executions/cli-1/stream`)).text()).toContain('"status":"completed"')
    const found = await body(await fetch(`${url}/api/executions?id_prefix=cli-`))
    expect(found.executions.map((e: Json) => [e.id, e.status])).toEqual([['cli-1', 'completed']])
    expect(await body(await fetch(`${url}/api/executions/web-1`))).toMatchObject({
      status: 'completed',
      outputs: { greeting: 'Hello, Ada!' },
    })

    running.child.kill('SIGTERM')
    expect((await running.exited).code).toBe(0)
  })
})
