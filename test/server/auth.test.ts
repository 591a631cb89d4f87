import * as crypto from 'node:crypto'
import { request } from 'node:http'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { bindingProblem, isLoopbackHost, startServer, TokenCheck } from '../../src/server/index.js'
import { createTestEngine } from '../../src/testing/index.js'
import { body, createTestServer, post, type TestServer } from './support.js'

// Spy on the constant-time comparison the token check must go through.
vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof crypto>()
  return { ...original, timingSafeEqual: vi.fn(original.timingSafeEqual) }
})

/** Issue 7, security: a token when configured, compared in constant time; loopback unless a token is given. */

const TOKEN = 'correct-horse-battery-staple'
let open: TestServer[] = []
afterEach(async () => {
  await Promise.all(open.map((s) => s.close()))
  open = []
  vi.mocked(crypto.timingSafeEqual).mockClear()
})

async function server(): Promise<TestServer> {
  const s = await createTestServer({ token: TOKEN })
  open.push(s)
  return s
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` })

describe('with a token', () => {
  it('refuses requests without it (401, WWW-Authenticate) and with a wrong one', async () => {
    const s = await server()
    const none = await s.app.request('/api/executions')
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/)
    expect(await body(none)).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.stringContaining('Bearer') } })
    for (const wrong of ['x', TOKEN.slice(0, -1), `${TOKEN}x`, TOKEN.toUpperCase()]) {
      const res = await s.app.request('/api/executions', { headers: bearer(wrong) })
      expect(res.status, wrong).toBe(401)
    }
    expect((await s.app.request('/api/executions', { headers: { authorization: `Basic ${TOKEN}` } })).status).toBe(401)
    const start = await s.app.request('/api/executions', post({ workflow: 'hello' }, bearer('nope')))
    expect(start.status).toBe(401)
    expect((await s.app.request('/metrics')).status).toBe(401)
  })

  it('lets the right token through, on every kind of route', async () => {
    const s = await server()
    expect((await s.app.request('/api/executions', { headers: bearer(TOKEN) })).status).toBe(200)
    expect((await s.app.request('/api/workflows', { headers: { authorization: `bearer  ${TOKEN}` } })).status).toBe(200)
    expect((await s.app.request('/api/executions', post({ workflow: 'hello' }, bearer(TOKEN)))).status).toBe(201)
    expect((await s.app.request('/metrics', { headers: bearer(TOKEN) })).status).toBe(200)
  })

  it('compares in constant time: both sides hashed to equal length, then crypto.timingSafeEqual', async () => {
    const s = await server()
    const spy = vi.mocked(crypto.timingSafeEqual)
    await s.app.request('/api/executions', { headers: bearer('short') })
    await s.app.request('/api/executions', { headers: bearer('a-much-much-longer-guess-than-the-token-itself') })
    await s.app.request('/api/executions', { headers: bearer(TOKEN) })
    expect(spy).toHaveBeenCalledTimes(3)
    for (const [a, b] of spy.mock.calls) {
      expect((a as Buffer).length).toBe(32)
      expect((b as Buffer).length).toBe(32)
    }
    expect(spy.mock.results.map((r) => r.value)).toEqual([false, false, true])
    const check = new TokenCheck(TOKEN)
    expect(check.matches(TOKEN)).toBe(true)
    expect(check.matches('')).toBe(false)
    expect(TokenCheck.fromHeader(`Bearer ${TOKEN}`)).toBe(TOKEN)
    expect(TokenCheck.fromHeader('Bearer')).toBeNull()
    expect(TokenCheck.fromHeader(undefined)).toBeNull()
  })

  it('leaves health, the OpenAPI document and the UI open, and takes ?access_token= only on streams', async () => {
    const s = await server()
    expect((await s.app.request('/api/health')).status).toBe(200)
    expect((await s.app.request('/api/openapi.json')).status).toBe(200)
    expect((await s.app.request('/')).status).toBe(200)
    expect((await s.app.request(`/api/executions?access_token=${TOKEN}`)).status).toBe(401)
    const e = await body(await s.app.request('/api/executions', post({ workflow: 'gated' }, bearer(TOKEN))))
    const stream = await s.app.request(`/api/executions/${e.id}/stream?access_token=${TOKEN}`)
    expect(stream.status).toBe(200)
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/)
    await stream.body?.cancel()
    expect((await s.app.request(`/api/executions/${e.id}/stream?access_token=wrong`)).status).toBe(401)
  })

  it('never logs the token', async () => {
    const lines: string[] = []
    const { createServerLogger } = await import('../../src/server/index.js')
    const logger = createServerLogger({ level: 'trace', stream: { write: (l: string) => void lines.push(l) } })
    const t = await createTestEngine()
    const running = await startServer({ engine: t.engine, token: TOKEN, logger, uiDir: null })
    try {
      await fetch(`${running.url}/api/executions?access_token=${TOKEN}`, { headers: bearer(TOKEN) })
      await fetch(`${running.url}/api/executions`, { headers: bearer(`${TOKEN}-wrong`) })
      logger.info({ token: TOKEN, headers: { authorization: TOKEN } }, 'careless caller')
    } finally {
      await running.close()
      await t.close()
    }
    expect(lines.length).toBeGreaterThan(2)
    expect(lines.join('\n')).not.toContain(TOKEN)
  })
})

describe('browsers', () => {
  it('refuses state changes a page of another site sends (CSRF), whatever the content type', async () => {
    const s = await createTestServer()
    open.push(s)
    const yaml = 'trellis: 1\nname: evil\nsteps:\n  a: { action: shell, with: { command: "true" } }\n'
    // A form or text/plain POST needs no preflight: the browser sends it, marked with Origin and Sec-Fetch-Site.
    const forged = await s.app.request('/api/workflows', {
      method: 'POST',
      body: yaml,
      headers: { 'content-type': 'text/plain', origin: 'https://evil.example', host: '127.0.0.1:7420' },
    })
    expect(forged.status).toBe(403)
    expect(await body(forged)).toEqual({
      error: { code: 'FORBIDDEN', message: expect.stringContaining('evil.example') },
    })
    const marked = await s.app.request(
      '/api/executions/x/cancel',
      post({}, { 'sec-fetch-site': 'cross-site', host: '127.0.0.1:7420' }),
    )
    expect(marked.status).toBe(403)
    expect((await s.app.request('/api/workflows/evil')).status).toBe(404)
    // The UI's own pages (same origin), and programs that send no Origin, are fine.
    const own = await s.app.request(
      '/api/executions',
      post(
        { workflow: 'hello' },
        { origin: 'http://127.0.0.1:7420', host: '127.0.0.1:7420', 'sec-fetch-site': 'same-origin' },
      ),
    )
    expect(own.status).toBe(201)
    expect((await s.app.request('/api/executions', post({ workflow: 'hello' }))).status).toBe(201)
    // Reading is not refused (the browser keeps another site from seeing the answer).
    expect((await s.app.request('/api/executions', { headers: { origin: 'https://evil.example' } })).status).toBe(200)
  })

  it('answers only to loopback host names when bound to loopback (DNS rebinding)', async () => {
    const s = await createTestServer({ allowedHosts: ['localhost', '127.0.0.1', '[::1]'] })
    open.push(s)
    const rebound = await s.app.request('/api/executions', { headers: { host: 'evil.example:7420' } })
    expect(rebound.status).toBe(403)
    expectCode(await body(rebound), 'FORBIDDEN')
    for (const host of ['localhost:7420', '127.0.0.1:7420', '[::1]:7420', 'LOCALHOST']) {
      expect((await s.app.request('/api/executions', { headers: { host } })).status, host).toBe(200)
    }
    const t = await createTestEngine()
    const running = await startServer({ engine: t.engine, uiDir: null })
    try {
      expect((await fetch(`${running.url}/api/health`)).status).toBe(200)
      // fetch sets Host itself; node:http sends the one a rebinding page would.
      const status = await new Promise<number | undefined>((resolve, reject) => {
        const req = request(`${running.url}/api/health`, { headers: { host: 'evil.example' } }, (res) => {
          res.resume()
          resolve(res.statusCode)
        })
        req.on('error', reject)
        req.end()
      })
      expect(status).toBe(403)
    } finally {
      await running.close()
      await t.close()
    }
  })
})

function expectCode(json: { error: { code: string } }, code: string): void {
  expect(json.error.code).toBe(code)
}

describe('binding', () => {
  it('needs a token for any host but loopback', () => {
    for (const host of ['127.0.0.1', 'localhost', '::1', '[::1]', '127.0.0.2']) {
      expect(isLoopbackHost(host), host).toBe(true)
      expect(bindingProblem(host, undefined)).toBeNull()
    }
    for (const host of ['0.0.0.0', '::', '192.168.1.4', 'example.com']) {
      expect(isLoopbackHost(host), host).toBe(false)
      expect(bindingProblem(host, undefined)).toMatch(/without a token.*--token or TRELLIS_TOKEN/)
      expect(bindingProblem(host, 'short')).toMatch(/at least 16/)
      expect(bindingProblem(host, TOKEN)).toBeNull()
    }
  })

  it('startServer refuses 0.0.0.0 without a token, and listens on 127.0.0.1 by default', async () => {
    const t = await createTestEngine()
    try {
      await expect(startServer({ engine: t.engine, host: '0.0.0.0', uiDir: null })).rejects.toMatchObject({
        code: 'INVALID_OPTION',
      })
      const running = await startServer({ engine: t.engine, uiDir: null })
      expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      await running.close()
    } finally {
      await t.close()
    }
  })
})
