import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../../util/index.js'
import { actionFailureOf } from '../action-error.js'
import type { ActionContext } from '../types.js'
import { http } from './http.js'

let server: Server
let base: string

/** Routes of the local test server; /echo answers with what it received. */
function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
  switch (req.url ?? '') {
    case '/json':
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'X-Request-Id': 'abc' })
      return void res.end(JSON.stringify({ ok: true, items: [1, 2] }))
    case '/problem-json':
      res.writeHead(200, { 'content-type': 'application/problem+json' })
      return void res.end('{"title":"fine"}')
    case '/text':
      res.writeHead(200, { 'content-type': 'text/plain' })
      return void res.end('  hello\n')
    case '/echo':
      res.writeHead(201, { 'content-type': 'application/json' })
      return void res.end(JSON.stringify({ method: req.method, headers: req.headers, body }))
    case '/cookies':
      res.setHeader('set-cookie', ['a=1', 'b=2'])
      return void res.end()
    case '/missing':
      res.writeHead(404, { 'content-type': 'text/plain' })
      return void res.end('no such thing')
    case '/broken':
      res.writeHead(503, { 'content-type': 'application/json' })
      return void res.end('{"error":"overloaded"}')
    case '/bad-json':
      res.writeHead(200, { 'content-type': 'application/json' })
      return void res.end('{not json')
    case '/empty-json':
      res.writeHead(204, { 'content-type': 'application/json' })
      return void res.end()
    case '/slow':
      return // never answers; the client's timeout or abort must end the request
    default:
      res.writeHead(500)
      res.end(`unexpected ${req.url}`)
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (body += chunk))
    req.on('end', () => handle(req, res, body))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})

function context(overrides: Partial<ActionContext> = {}): ActionContext {
  return {
    signal: new AbortController().signal,
    attempt: 1,
    idempotencyKey: 'exec_1/step',
    executionId: 'exec_1',
    step: 'step',
    index: null,
    logger: silentLogger,
    ...overrides,
  }
}

async function failure(promise: unknown): Promise<{ code: string; message: string; retryable: boolean }> {
  try {
    await promise
  } catch (error) {
    return actionFailureOf(error)
  }
  throw new Error('expected the action to fail')
}

describe('http: responses', () => {
  it('GET by default; a JSON body is parsed; headers are a plain object with lower-case names', async () => {
    const result = await http({ url: `${base}/json` }, context())
    expect(result.status).toBe(200)
    expect(result.body).toEqual({ ok: true, items: [1, 2] })
    expect(result.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(result.headers['x-request-id']).toBe('abc')
    expect(Object.getPrototypeOf(result.headers)).toBe(Object.prototype)
    expect(Object.keys(result.headers).every((name) => name === name.toLowerCase())).toBe(true)
  })

  it('a +json content type is parsed too', async () => {
    expect((await http({ url: `${base}/problem-json` }, context())).body).toEqual({ title: 'fine' })
  })

  it('a text body is returned as is', async () => {
    const result = await http({ url: `${base}/text` }, context())
    expect(result).toMatchObject({ status: 200, body: '  hello\n' })
  })

  it('an empty JSON body is null', async () => {
    expect(await http({ url: `${base}/empty-json` }, context())).toMatchObject({ status: 204, body: null })
  })

  it('repeated response headers are joined', async () => {
    expect((await http({ url: `${base}/cookies` }, context())).headers['set-cookie']).toBe('a=1, b=2')
  })
})

describe('http: requests', () => {
  it('POST with an object body sends JSON with content-type application/json, and the given headers', async () => {
    const result = await http(
      { url: `${base}/echo`, method: 'post', headers: { 'X-Token': 'secret', 'X-Count': 2 }, body: { a: [1, 'b'] } },
      context(),
    )
    expect(result.status).toBe(201)
    const echoed = result.body as { method: string; headers: Record<string, string>; body: string }
    expect(echoed.method).toBe('POST')
    expect(echoed.headers['content-type']).toBe('application/json')
    expect(echoed.headers['x-token']).toBe('secret')
    expect(echoed.headers['x-count']).toBe('2')
    expect(echoed.body).toBe('{"a":[1,"b"]}')
  })

  it('an array body is JSON too; a content-type the caller set is kept', async () => {
    const result = await http(
      { url: `${base}/echo`, method: 'PUT', headers: { 'Content-Type': 'application/vnd.x+json' }, body: [1, 2] },
      context(),
    )
    const echoed = result.body as { headers: Record<string, string>; body: string }
    expect(echoed.headers['content-type']).toBe('application/vnd.x+json')
    expect(echoed.body).toBe('[1,2]')
  })

  it('a string body is sent as is, not as JSON', async () => {
    const result = await http({ url: `${base}/echo`, method: 'POST', body: 'a=1&b=2' }, context())
    const echoed = result.body as { headers: Record<string, string>; body: string }
    expect(echoed.body).toBe('a=1&b=2')
    expect(echoed.headers['content-type']).not.toContain('json')
  })
})

describe('http: failures', () => {
  it('a status >= 400 fails with HTTP_STATUS, naming the status, method and URL', async () => {
    expect(await failure(http({ url: `${base}/missing` }, context()))).toEqual({
      code: 'HTTP_STATUS',
      message: `http: GET ${base}/missing answered 404 Not Found: no such thing`,
      retryable: true,
    })
    expect((await failure(http({ url: `${base}/broken`, method: 'DELETE' }, context()))).message).toBe(
      `http: DELETE ${base}/broken answered 503 Service Unavailable: {"error":"overloaded"}`,
    )
  })

  it('its timeout passing fails with TIMEOUT', async () => {
    const started = Date.now()
    expect(await failure(http({ url: `${base}/slow`, timeout: '200ms' }, context()))).toEqual({
      code: 'TIMEOUT',
      message: `http: GET ${base}/slow did not finish within its timeout of 200ms`,
      retryable: true,
    })
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  it('an aborted attempt fails with the abort reason', async () => {
    const controller = new AbortController()
    const result = http({ url: `${base}/slow` }, context({ signal: controller.signal }))
    const reason = Object.assign(new Error('execution cancelled'), { code: 'CANCELLED' })
    setTimeout(() => controller.abort(reason), 50)
    await expect(result).rejects.toBe(reason)
  })

  it('no server listening fails with HTTP_REQUEST_FAILED, naming the cause', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`
    await new Promise((resolve) => closed.close(resolve))

    const result = await failure(http({ url }, context()))
    expect(result).toMatchObject({ code: 'HTTP_REQUEST_FAILED', retryable: true })
    expect(result.message).toMatch(new RegExp(`^http: GET ${url} failed: .*ECONNREFUSED`))
  })

  it('a JSON response that does not parse fails with HTTP_INVALID_JSON', async () => {
    expect(await failure(http({ url: `${base}/bad-json` }, context()))).toMatchObject({
      code: 'HTTP_INVALID_JSON',
      message: `http: GET ${base}/bad-json answered with content-type application/json but the body is not JSON: {not json`,
    })
  })

  it.each([
    [{}, '"url" is required'],
    [{ url: 'not a url' }, '"url" "not a url" is not a valid absolute URL'],
    [{ url: 'ftp://example.com/x' }, '"url" must use http or https; got ftp:'],
    [{ url: 'http://x', body: 'b' }, 'a GET request cannot have a "body"'],
    [{ url: 'http://x', method: 'NO PE' }, 'is not an HTTP method'],
    [{ url: 'http://x', headers: 'x' }, '"headers" must be an object'],
    [{ url: 'http://x', timeout: 'later' }, '"timeout" must be a duration'],
    [{ url: 'http://x', uri: 'y' }, 'unknown key "uri"'],
  ])('bad with %j is INVALID_INPUT: %s', async (input, text) => {
    const result = await failure(http(input, context()))
    expect(result).toMatchObject({ code: 'INVALID_INPUT', retryable: false })
    expect(result.message).toContain(text)
  })

  it('credentials in the URL are sent as basic authorization and not shown in messages', async () => {
    const port = new URL(base).port
    const ok = await http({ url: `http://ada:p%40ss@127.0.0.1:${port}/echo` }, context())
    const echoed = ok.body as { headers: Record<string, string> }
    expect(echoed.headers['authorization']).toBe(`Basic ${Buffer.from('ada:p@ss').toString('base64')}`)

    const result = await failure(http({ url: `http://ada:hunter2@127.0.0.1:${port}/missing` }, context()))
    expect(result.message).toBe(`http: GET http://127.0.0.1:${port}/missing answered 404 Not Found: no such thing`)
  })
})
