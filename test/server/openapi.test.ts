import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { body, createTestServer, type Json, type TestServer } from './support.js'

/** Issue 7: the OpenAPI document covers every route, from the schemas that validate; the built UI is served. */

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

describe('the OpenAPI document', () => {
  it('has every route the app serves (but the UI catch-all), with its method', async () => {
    const s = await server()
    const doc = await body(await s.app.request('/api/openapi.json'))
    expect(doc.openapi).toBe('3.1.0')
    // Every handler Hono has, minus middleware (ALL) and the UI's catch-all.
    const served = s.app.routes
      .filter((r) => r.method !== 'ALL' && r.path !== '*' && r.path !== '/*')
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`)
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method} ${path}`),
    )
    expect(served.length).toBe(18)
    expect(new Set(served)).toEqual(new Set(documented))
    for (const route of [
      'get /api/workflows',
      'get /api/workflows/{name}',
      'post /api/workflows',
      'post /api/executions',
      'get /api/executions',
      'get /api/executions/{id}',
      'get /api/executions/{id}/events',
      'get /api/executions/{id}/stream',
      'get /api/stream',
      'post /api/executions/{id}/signal',
      'post /api/executions/{id}/pause',
      'post /api/executions/{id}/resume',
      'post /api/executions/{id}/cancel',
      'post /api/executions/{id}/retry',
      'get /metrics',
      'get /api/openapi.json',
    ]) {
      expect(documented, route).toContain(route)
    }
  })

  it('describes requests with the zod schemas that validate them', async () => {
    const s = await server()
    const doc = await body(await s.app.request('/api/openapi.json'))
    const start = doc.paths['/api/executions'].post
    expect(start.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/ApiStartRequest',
    })
    const schema = doc.components.schemas.ApiStartRequest
    expect(schema.required).toEqual(['workflow'])
    expect(schema.additionalProperties).toBe(false)
    expect(schema.properties.id.pattern).toBe('^[A-Za-z0-9_.:-]{1,128}$')
    expect(Object.keys(start.responses).sort()).toEqual(['200', '201', '400', '404', '409', '422'])

    const list = doc.paths['/api/executions'].get.parameters as Json[]
    const limit = list.find((p) => p.name === 'limit')
    expect(limit).toMatchObject({ in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 500 } })
    expect(list.find((p) => p.name === 'status').schema.enum).toContain('suspended')
    expect(list.find((p) => p.name === 'id_prefix')).toMatchObject({
      in: 'query',
      required: false,
      schema: { type: 'string', minLength: 1, maxLength: 128 },
    })
    const events = doc.paths['/api/executions/{id}/events'].get.parameters as Json[]
    expect(events.map((p) => `${p.in}:${p.name}`)).toEqual(['path:id', 'query:after', 'query:limit'])

    expect(doc.components.schemas.ApiExecution.properties.steps).toBeDefined()
    expect(doc.components.schemas.ApiErrorBody.properties.error.properties.code.enum).toContain('INVALID_STATE')
    expect(doc.paths['/api/health'].get.security).toEqual([])
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' })
    // Every $ref points at a component that exists.
    const refs = JSON.stringify(doc).match(/#\/components\/schemas\/\w+/g) ?? []
    for (const ref of refs) expect(doc.components.schemas[ref.split('/').at(-1)!], ref).toBeDefined()
  })
})

describe('the web UI', () => {
  let dir: string | null = null
  afterEach(() => {
    if (dir !== null) rmSync(dir, { recursive: true, force: true })
    dir = null
  })

  function builtUi(): string {
    dir = mkdtempSync(join(tmpdir(), 'trellis-ui-'))
    mkdirSync(join(dir, 'assets'))
    writeFileSync(join(dir, 'index.html'), '<!doctype html><div id="root"></div>')
    writeFileSync(join(dir, 'assets', 'app-1234.js'), 'console.log(1)')
    writeFileSync(join(dir, 'favicon.svg'), '<svg/>')
    return dir
  }

  it('serves files, and index.html for the pages of the UI', async () => {
    const s = await server({ uiDir: builtUi() })
    const index = await s.app.request('/')
    expect(index.status).toBe(200)
    expect(index.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await index.text()).toContain('id="root"')
    const page = await s.app.request('/executions/exec_123')
    expect(await page.text()).toContain('id="root"')
    // Execution ids may contain dots: a deep link to one is a page of the UI, not a missing file.
    const dotted = await s.app.request('/executions/order.42')
    expect(dotted.status).toBe(200)
    expect(await dotted.text()).toContain('id="root"')
    const asset = await s.app.request('/assets/app-1234.js')
    expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/)
    expect(asset.headers.get('cache-control')).toContain('immutable')
    expect(await asset.text()).toBe('console.log(1)')
    expect((await s.app.request('/favicon.svg')).headers.get('content-type')).toBe('image/svg+xml')
    expect((await s.app.request('/assets/missing.js')).status).toBe(404)
    for (const path of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/assets/..%2f..%2f..%2fetc%2fpasswd']) {
      const res = await s.app.request(path)
      expect(await res.text(), path).not.toContain('root:')
    }
  })

  it('says how to build the UI when it is not built', async () => {
    const s = await server({ uiDir: join(tmpdir(), 'no-such-ui-dir') })
    const res = await s.app.request('/')
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('npm run build:ui')
  })
})
