import { afterEach, describe, expect, it } from 'vitest'
import { toWireExecution } from '../../src/engine/index.js'
import { STATUS_BY_CODE } from '../../src/server/index.js'
import { StoreUnavailableError } from '../../src/store/index.js'
import { createTestEngine } from '../../src/testing/index.js'
import { createApp } from '../../src/server/index.js'
import { body, createTestServer, eventually, FLAKY, GATED, HELLO, post, type Json, type TestServer } from './support.js'

/** Issue 7, the HTTP API through `app.request()`: every route, every error status, validation, idempotent start. */

let open: TestServer[] = []
afterEach(async () => {
  await Promise.all(open.map((s) => s.close()))
  open = []
})

async function server(options: Parameters<typeof createTestServer>[0] = {}): Promise<TestServer> {
  const s = await createTestServer(options)
  open.push(s)
  return s
}

async function start(s: TestServer, request: Json): Promise<Json> {
  const res = await s.app.request('/api/executions', post(request))
  expect(res.status, JSON.stringify(await res.clone().json())).toBe(201)
  return body(res)
}

async function waitStatus(s: TestServer, id: string, status: string): Promise<Json> {
  return eventually(`${id} ${status}`, async () => {
    const e = await body(await s.app.request(`/api/executions/${id}`))
    return e.status === status ? e : undefined
  })
}

function expectError(json: Json, code: string): void {
  expect(json).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }) })
  expect(json.error.message.length).toBeGreaterThan(10)
}

describe('workflows', () => {
  it('lists the registered workflows, sorted, with their inputs', async () => {
    const s = await server()
    const res = await s.app.request('/api/workflows')
    expect(res.status).toBe(200)
    const list = await body(res)
    expect(list.map((w: Json) => w.name)).toEqual(['flaky', 'gated', 'hello'])
    expect(list[2]).toEqual({
      name: 'hello',
      description: 'Greets.',
      inputs: { name: { type: 'string', required: false, default: 'world', description: null } },
      step_count: 2,
      file: null,
    })
  })

  it('shows one workflow with its graph (nodes, edges with kinds), mermaid and source', async () => {
    const s = await server()
    const detail = await body(await s.app.request('/api/workflows/gated'))
    expect(detail.source).toBe(GATED)
    expect(detail.mermaid).toMatch(/^flowchart TD/)
    expect(detail.graph.order).toEqual(['first', 'gate', 'last'])
    expect(detail.graph.edges).toEqual([
      { from: 'first', to: 'gate', kind: 'needs' },
      { from: 'gate', to: 'last', kind: 'needs' },
    ])
    expect(detail.graph.nodes[1]).toMatchObject({
      id: 'gate',
      kind: 'wait',
      signal: 'go',
      needs: ['first'],
      line: 9,
      column: 3,
    })
    expect(detail.graph.nodes[0]).toMatchObject({ id: 'first', kind: 'action', action: 'core.echo', max_attempts: 1 })
    expect(detail.failure_policy).toBe('fail_fast')
  })

  it('answers 404 for an unknown workflow', async () => {
    const s = await server()
    const res = await s.app.request('/api/workflows/nope')
    expect(res.status).toBe(404)
    expectError(await body(res), 'NOT_FOUND')
  })

  it('registers YAML (201), replaces it (200), and can start it by name', async () => {
    const s = await server()
    const yaml = HELLO.replace('name: hello', 'name: hi')
    const first = await s.app.request('/api/workflows', {
      method: 'POST',
      body: yaml,
      headers: { 'content-type': 'application/yaml' },
    })
    expect(first.status).toBe(201)
    expect(await body(first)).toMatchObject({ name: 'hi', source: yaml, step_count: 2 })
    const again = await s.app.request('/api/workflows', {
      method: 'POST',
      body: yaml,
      headers: { 'content-type': 'text/plain' },
    })
    expect(again.status).toBe(200)
    const e = await start(s, { workflow: 'hi', inputs: { name: 'Ada' } })
    expect((await waitStatus(s, e.id, 'completed')).outputs).toEqual({ greeting: 'Hello, Ada!' })
    expect((await body(await s.app.request('/api/workflows'))).map((w: Json) => w.name)).toContain('hi')
  })

  it('registers a JSON definition, as the body or wrapped as { source }', async () => {
    const s = await server()
    const definition = { trellis: 1, name: 'j', steps: { a: { action: 'core.noop' } } }
    const direct = await s.app.request('/api/workflows', post(definition))
    expect(direct.status).toBe(201)
    const wrapped = await s.app.request('/api/workflows', post({ source: HELLO.replace('name: hello', 'name: w') }))
    expect(wrapped.status).toBe(201)
    expect((await body(wrapped)).name).toBe('w')
  })

  it('answers 422 with every problem, each with line and column', async () => {
    const s = await server()
    const bad = [
      'trellis: 1',
      'name: bad',
      'steps:',
      '  a:',
      '    action: nope.x',
      '  b:',
      '    needs: [zz]',
      '    action: core.echo',
      '',
    ].join('\n')
    const res = await s.app.request('/api/workflows', {
      method: 'POST',
      body: bad,
      headers: { 'content-type': 'text/yaml' },
    })
    expect(res.status).toBe(422)
    const json = await body(res)
    expectError(json, 'INVALID_DEFINITION')
    expect(json.error.problems).toEqual([
      { path: 'steps.a.action', message: expect.stringContaining('unknown action "nope.x"'), line: 5, column: 13 },
      { path: 'steps.b.needs[0]', message: expect.stringContaining('unknown step "zz"'), line: 7, column: 13 },
    ])
    // Nothing was registered.
    expect((await s.app.request('/api/workflows/bad')).status).toBe(404)
  })

  it('refuses child workflows named by file path (422, at the step)', async () => {
    const s = await server()
    const text = 'trellis: 1\nname: parent\nsteps:\n  child:\n    workflow: ./child.yaml\n'
    const res = await s.app.request('/api/workflows', {
      method: 'POST',
      body: text,
      headers: { 'content-type': 'text/yaml' },
    })
    expect(res.status).toBe(422)
    expect((await body(res)).error.problems).toEqual([
      expect.objectContaining({
        path: 'steps.child.workflow',
        line: 4,
        message: expect.stringContaining('names a file'),
      }),
    ])
  })

  it('answers 400 for an empty body or bad JSON, 415 for another content type', async () => {
    const s = await server()
    const empty = await s.app.request('/api/workflows', {
      method: 'POST',
      body: '',
      headers: { 'content-type': 'text/yaml' },
    })
    expect(empty.status).toBe(400)
    expectError(await body(empty), 'BAD_REQUEST')
    const broken = await s.app.request('/api/workflows', post('{"trellis": '))
    expect(broken.status).toBe(400)
    const wrongWrap = await s.app.request('/api/workflows', post({ source: 5 }))
    expect(wrongWrap.status).toBe(400)
    expect((await body(wrongWrap)).error.issues).toEqual([{ path: 'body.source', message: expect.any(String) }])
    const other = await s.app.request('/api/workflows', {
      method: 'POST',
      body: 'x',
      headers: { 'content-type': 'application/octet-stream' },
    })
    expect(other.status).toBe(415)
    expectError(await body(other), 'UNSUPPORTED_MEDIA_TYPE')
  })
})

describe('starting executions', () => {
  it('starts (201) and runs in this process; the execution object is the one of status --json', async () => {
    const s = await server()
    const created = await start(s, { workflow: 'hello', inputs: { name: 'Ada' } })
    expect(created).toMatchObject({ workflow: 'hello', inputs: { name: 'Ada' }, parent_id: null })
    expect(Object.keys(created.steps)).toEqual(['greet', 'done'])
    const done = await waitStatus(s, created.id, 'completed')
    expect(done).toEqual(toWireExecution(await s.engine.get(created.id)))
    expect(Object.keys(done)).toEqual([
      'id',
      'workflow',
      'status',
      'inputs',
      'outputs',
      'error',
      'created_at',
      'started_at',
      'completed_at',
      'parent_id',
      'parent_step',
      'steps',
    ])
  })

  it('is idempotent with an id: 201, then 200 with the same execution; other inputs are 409 CONFLICT', async () => {
    const s = await server()
    const first = await start(s, { workflow: 'hello', inputs: { name: 'Ada' }, id: 'order-1' })
    expect(first.id).toBe('order-1')
    const again = await s.app.request(
      '/api/executions',
      post({ workflow: 'hello', inputs: { name: 'Ada' }, id: 'order-1' }),
    )
    expect(again.status).toBe(200)
    expect((await body(again)).id).toBe('order-1')
    // Defaults count: `{}` is `{ name: 'world' }`, which differs.
    const other = await s.app.request(
      '/api/executions',
      post({ workflow: 'hello', inputs: { name: 'Bob' }, id: 'order-1' }),
    )
    expect(other.status).toBe(409)
    expectError(await body(other), 'CONFLICT')
    const otherWorkflow = await s.app.request('/api/executions', post({ workflow: 'gated', id: 'order-1' }))
    expect(otherWorkflow.status).toBe(409)
    expect((await body(await s.app.request('/api/executions'))).executions).toHaveLength(1)
  })

  it('answers 404 for an unknown workflow and 422 for inputs that do not fit', async () => {
    const s = await server()
    const unknown = await s.app.request('/api/executions', post({ workflow: 'nope' }))
    expect(unknown.status).toBe(404)
    expect((await body(unknown)).error.message).toContain('POST /api/workflows')
    const badInput = await s.app.request('/api/executions', post({ workflow: 'hello', inputs: { name: 5 } }))
    expect(badInput.status).toBe(422)
    expectError(await body(badInput), 'INVALID_INPUT')
    const undeclared = await s.app.request('/api/executions', post({ workflow: 'hello', inputs: { nope: 1 } }))
    expect(undeclared.status).toBe(422)
  })

  it('validates the body: 400 with every wrong field; 415 for another content type', async () => {
    const s = await server()
    const res = await s.app.request('/api/executions', post({ inputs: [], id: 'bad id!', extra: true }))
    expect(res.status).toBe(400)
    const json = await body(res)
    expectError(json, 'BAD_REQUEST')
    expect(json.error.issues.map((i: Json) => i.path).sort()).toEqual([
      'body',
      'body.id',
      'body.inputs',
      'body.workflow',
    ])
    expect((await s.app.request('/api/executions', post('not json'))).status).toBe(400)
    expect((await s.app.request('/api/executions', { method: 'POST' })).status).toBe(400)
    const text = await s.app.request('/api/executions', {
      method: 'POST',
      body: '{"workflow":"hello"}',
      headers: { 'content-type': 'text/plain' },
    })
    expect(text.status).toBe(415)
  })

  it('refuses bodies over 1 MB with 413', async () => {
    const s = await server()
    const big = JSON.stringify({ workflow: 'hello', inputs: { name: 'x'.repeat(1024 * 1024) } })
    const res = await s.app.request('/api/executions', post(big))
    expect(res.status).toBe(413)
    expectError(await body(res), 'PAYLOAD_TOO_LARGE')
    // Also when the client announces the size.
    const announced = await s.app.request('/api/executions', post(big, { 'content-length': String(big.length) }))
    expect(announced.status).toBe(413)
    // A body just under the limit is read.
    const small = await s.app.request(
      '/api/executions',
      post({ workflow: 'hello', inputs: { name: 'x'.repeat(1000) } }),
    )
    expect(small.status).toBe(201)
  })

  it('starts detached when asked: created pending, left to a worker', async () => {
    const s = await server({ startMode: 'detached' })
    const res = await s.app.request('/api/executions', post({ workflow: 'hello' }))
    expect(res.status).toBe(201)
    const e = await body(res)
    expect(e.status).toBe('pending')
    expect(s.engine.held).toBe(0)
  })
})

describe('reading executions', () => {
  it('lists newest first, filters by status and workflow, and pages with a cursor', async () => {
    const s = await server()
    const ids: string[] = []
    for (let i = 0; i < 5; i++) {
      ids.push((await start(s, { workflow: 'hello', id: `h${i}` })).id)
      await new Promise((r) => setTimeout(r, 3)) // distinct created_at
    }
    const gated = await start(s, { workflow: 'gated', id: 'g1' })
    await waitStatus(s, gated.id, 'suspended')
    for (const id of ids) await waitStatus(s, id, 'completed')

    const all = await body(await s.app.request('/api/executions'))
    expect(all.executions.map((e: Json) => e.id)).toEqual(['g1', 'h4', 'h3', 'h2', 'h1', 'h0'])
    expect(all.next_cursor).toBeNull()
    expect(Object.keys(all.executions[0])).toEqual([
      'id',
      'workflow',
      'status',
      'created_at',
      'started_at',
      'completed_at',
      'parent_id',
    ])

    const suspended = await body(await s.app.request('/api/executions?status=suspended'))
    expect(suspended.executions.map((e: Json) => e.id)).toEqual(['g1'])
    const hellos = await body(await s.app.request('/api/executions?workflow=hello&limit=2'))
    expect(hellos.executions.map((e: Json) => e.id)).toEqual(['h4', 'h3'])
    const next = await body(await s.app.request(`/api/executions?workflow=hello&limit=2&cursor=${hellos.next_cursor}`))
    expect(next.executions.map((e: Json) => e.id)).toEqual(['h2', 'h1'])
    const last = await body(await s.app.request(`/api/executions?workflow=hello&limit=2&cursor=${next.next_cursor}`))
    expect(last.executions.map((e: Json) => e.id)).toEqual(['h0'])
    expect(last.next_cursor).toBeNull()
  })

  it('searches by id prefix (case-sensitive, no wildcards), with the filters and the cursor', async () => {
    const s = await server()
    for (const id of ['ord-1', 'ord-10', 'ord-2', 'Ord-3', 'ord_x', 'orc-1']) {
      await start(s, { workflow: 'hello', id })
      await new Promise((r) => setTimeout(r, 3)) // distinct created_at
    }
    await start(s, { workflow: 'gated', id: 'ord-9' })
    await waitStatus(s, 'ord-9', 'suspended')
    const ids = async (query: string): Promise<string[]> =>
      (await body(await s.app.request(`/api/executions?${query}`))).executions.map((e: Json) => e.id)

    expect(await ids('id_prefix=ord-')).toEqual(['ord-9', 'ord-2', 'ord-10', 'ord-1'])
    expect(await ids('id_prefix=ord-1')).toEqual(['ord-10', 'ord-1'])
    expect(await ids('id_prefix=Ord')).toEqual(['Ord-3'])
    expect(await ids('id_prefix=ord_')).toEqual(['ord_x'])
    expect(await ids('id_prefix=ord%25')).toEqual([])
    expect(await ids('id_prefix=ord-&status=suspended')).toEqual(['ord-9'])
    expect(await ids('id_prefix=ord-&workflow=hello')).toEqual(['ord-2', 'ord-10', 'ord-1'])
    const first = await body(await s.app.request('/api/executions?id_prefix=ord-&limit=3'))
    expect(first.executions.map((e: Json) => e.id)).toEqual(['ord-9', 'ord-2', 'ord-10'])
    expect(await ids(`id_prefix=ord-&limit=3&cursor=${first.next_cursor}`)).toEqual(['ord-1'])

    for (const query of ['id_prefix=', `id_prefix=${'x'.repeat(129)}`]) {
      const res = await s.app.request(`/api/executions?${query}`)
      expect(res.status, query).toBe(400)
      expect((await body(res)).error.issues[0].path).toBe('query.id_prefix')
    }
  })

  it('validates query parameters: 400 naming each', async () => {
    const s = await server()
    for (const query of ['limit=0', 'limit=501', 'limit=abc', 'status=done', 'cursor=zzz', 'color=red']) {
      const res = await s.app.request(`/api/executions?${query}`)
      expect(res.status, query).toBe(400)
      const json = await body(res)
      expectError(json, 'BAD_REQUEST')
      expect(json.error.issues[0].path, query).toMatch(/^query/)
    }
    expect((await s.app.request('/api/executions?limit=500')).status).toBe(200)
  })

  it('answers 404 for an unknown execution and 400 for an id that cannot be one', async () => {
    const s = await server()
    for (const path of ['', '/events', '/workflow', '/stream']) {
      const res = await s.app.request(`/api/executions/nope${path}`)
      expect(res.status, path).toBe(404)
      expectError(await body(res), 'NOT_FOUND')
    }
    const bad = await s.app.request(`/api/executions/${'x'.repeat(129)}`)
    expect(bad.status).toBe(400)
    expect((await body(bad)).error.issues[0].path).toBe('path.id')
  })

  it('pages the event log from a seq', async () => {
    const s = await server()
    const e = await start(s, { workflow: 'hello' })
    await waitStatus(s, e.id, 'completed')
    const all = await body(await s.app.request(`/api/executions/${e.id}/events`))
    expect(all.events.map((x: Json) => x.seq)).toEqual([1, 2, 3, 4, 5, 6])
    expect(all.events[0]).toEqual({
      seq: 1,
      type: 'execution.started',
      execution_id: e.id,
      at: expect.any(String),
      step: null,
      attempt: null,
      index: null,
      data: { inputs: { name: 'world' } },
    })
    expect(all).toMatchObject({ last_seq: 6, has_more: false })
    const page = await body(await s.app.request(`/api/executions/${e.id}/events?after=2&limit=3`))
    expect(page.events.map((x: Json) => x.seq)).toEqual([3, 4, 5])
    expect(page).toMatchObject({ last_seq: 5, has_more: true })
    const end = await body(await s.app.request(`/api/executions/${e.id}/events?after=6`))
    expect(end).toEqual({ events: [], last_seq: 6, has_more: false })
    expect((await s.app.request(`/api/executions/${e.id}/events?after=-1`)).status).toBe(400)
    expect((await s.app.request(`/api/executions/${e.id}/events?limit=501`)).status).toBe(400)
  })

  it('shows the definition snapshot an execution runs, with the registered source when it is the same', async () => {
    const s = await server()
    const e = await start(s, { workflow: 'gated' })
    const detail = await body(await s.app.request(`/api/executions/${e.id}/workflow`))
    expect(detail).toMatchObject({ name: 'gated', source: GATED })
    expect(detail.graph.nodes.map((n: Json) => n.id)).toEqual(['first', 'gate', 'last'])
  })
})

describe('steering executions', () => {
  it('delivers a signal; a signal to an ended execution is 409 INVALID_STATE', async () => {
    const s = await server()
    const e = await start(s, { workflow: 'gated' })
    await waitStatus(s, e.id, 'suspended')
    const res = await s.app.request(`/api/executions/${e.id}/signal`, post({ topic: 'go', data: { ok: 1 } }))
    expect(res.status).toBe(200)
    expect((await body(res)).id).toBe(e.id)
    expect((await waitStatus(s, e.id, 'completed')).outputs).toEqual({ got: { ok: 1 } })
    const late = await s.app.request(`/api/executions/${e.id}/signal`, post({ topic: 'go' }))
    expect(late.status).toBe(409)
    expectError(await body(late), 'INVALID_STATE')
    const bad = await s.app.request(`/api/executions/${e.id}/signal`, post({ data: 1 }))
    expect(bad.status).toBe(400)
    expect((await s.app.request('/api/executions/nope/signal', post({ topic: 'go' }))).status).toBe(404)
  })

  it('pauses with a reason and resumes', async () => {
    const s = await server()
    const e = await start(s, { workflow: 'gated' })
    await waitStatus(s, e.id, 'suspended')
    const paused = await s.app.request(`/api/executions/${e.id}/pause`, post({ reason: 'lunch' }))
    expect(paused.status).toBe(200)
    await waitStatus(s, e.id, 'paused')
    const events = await body(await s.app.request(`/api/executions/${e.id}/events`))
    expect(events.events.find((x: Json) => x.type === 'execution.paused').data).toEqual({ reason: 'lunch' })
    // An empty body is fine for resume (and for pause and cancel).
    const resumed = await s.app.request(`/api/executions/${e.id}/resume`, { method: 'POST' })
    expect(resumed.status).toBe(200)
    await waitStatus(s, e.id, 'suspended')
    await s.app.request(`/api/executions/${e.id}/signal`, post({ topic: 'go' }))
    await waitStatus(s, e.id, 'completed')
    const late = await s.app.request(`/api/executions/${e.id}/pause`, { method: 'POST' })
    expect(late.status).toBe(409)
    expect((await s.app.request(`/api/executions/${e.id}/pause`, post({ reason: 7 }))).status).toBe(400)
  })

  it('cancels; cancelling an ended execution is 409', async () => {
    const s = await server()
    const e = await start(s, { workflow: 'gated' })
    await waitStatus(s, e.id, 'suspended')
    const res = await s.app.request(`/api/executions/${e.id}/cancel`, post({ reason: 'not needed' }))
    expect(res.status).toBe(200)
    await waitStatus(s, e.id, 'cancelled')
    const done = await start(s, { workflow: 'hello' })
    await waitStatus(s, done.id, 'completed')
    const late = await s.app.request(`/api/executions/${done.id}/cancel`, { method: 'POST' })
    expect(late.status).toBe(409)
    expectError(await body(late), 'INVALID_STATE')
  })

  it('retries a failed execution; retrying a completed one is 409 with the reason', async () => {
    const s = await server()
    const e = await start(s, { workflow: 'flaky' })
    const failed = await waitStatus(s, e.id, 'failed')
    expect(failed.error).toMatchObject({ code: 'FLAKY', step: 'try' })
    s.flaky.heal()
    const res = await s.app.request(`/api/executions/${e.id}/retry`, { method: 'POST' })
    expect(res.status).toBe(200)
    const done = await waitStatus(s, e.id, 'completed')
    expect(done.steps.try.attempts).toBe(3)
    const again = await s.app.request(`/api/executions/${e.id}/retry`, { method: 'POST' })
    expect(again.status).toBe(409)
    expect(await body(again)).toMatchObject({
      error: { code: 'INVALID_STATE', message: expect.stringContaining('Only failed executions') },
    })
    expect(FLAKY).toContain('max_attempts: 2')
  })
})

describe('errors', () => {
  it('maps every code to one status, all of them 4xx or 5xx', () => {
    for (const [code, status] of Object.entries(STATUS_BY_CODE)) {
      expect(status, code).toBeGreaterThanOrEqual(400)
      expect(status, code).toBeLessThan(600)
    }
    expect(STATUS_BY_CODE).toMatchObject({
      BAD_REQUEST: 400,
      NOT_FOUND: 404,
      INVALID_STATE: 409,
      INVALID_DEFINITION: 422,
      STORE_UNAVAILABLE: 503,
    })
  })

  it('answers unknown API routes with a JSON 404', async () => {
    const s = await server()
    for (const [method, path] of [
      ['GET', '/api/nope'],
      ['DELETE', '/api/executions'],
      ['POST', '/api/executions/x/explode'],
      ['GET', '/metrics/x'],
    ] as const) {
      const res = await s.app.request(path, { method })
      expect(res.status, `${method} ${path}`).toBe(404)
      expectError(await body(res), 'NOT_FOUND')
    }
  })

  it('answers 503 when the store is unavailable, and 500 without details for a bug', async () => {
    const t = await createTestEngine()
    let failure: Error | null = null
    const store = new Proxy(t.engine.store, {
      get(target, key, receiver) {
        if (key === 'listExecutions' && failure !== null) {
          const error = failure
          return () => Promise.reject(error)
        }
        return Reflect.get(target, key, receiver) as unknown
      },
    })
    Object.defineProperty(t.engine, 'store', { value: store })
    const logged: unknown[] = []
    const logger = {
      debug() {},
      info() {},
      warn: (o: unknown) => void logged.push(o),
      error: (o: unknown) => void logged.push(o),
      child() {
        return logger
      },
    }
    const app = createApp({ engine: t.engine, uiDir: null, logger })
    try {
      failure = new StoreUnavailableError('The database is locked by a backup; try again in a minute.')
      const down = await app.request('/api/executions')
      expect(down.status).toBe(503)
      expect(await body(down)).toEqual({
        error: { code: 'STORE_UNAVAILABLE', message: expect.stringContaining('locked by a backup') },
      })
      failure = new TypeError('secret internals')
      const bug = await app.request('/api/executions')
      expect(bug.status).toBe(500)
      const json = await body(bug)
      expect(json).toEqual({ error: { code: 'INTERNAL', message: 'Internal error; the server log has details.' } })
      expect(JSON.stringify(json)).not.toContain('secret')
      expect(logged).toContainEqual(expect.objectContaining({ err: failure, path: '/api/executions' }))
    } finally {
      app.close()
      await t.close()
    }
  })
})

describe('health', () => {
  it('answers without a token', async () => {
    const s = await server({ token: 'a-token-that-is-long-enough' })
    const res = await s.app.request('/api/health')
    expect(res.status).toBe(200)
    expect(await body(res)).toEqual({ ok: true, version: expect.any(String), store: 'sqlite' })
  })
})
