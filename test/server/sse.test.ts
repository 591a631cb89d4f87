import type { AddressInfo } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serve, type ServerType } from '@hono/node-server'
import { afterEach, describe, expect, it } from 'vitest'
import { createTestEngine, type TestEngine } from '../../src/testing/index.js'
import { body, createTestServer, eventually, GATED, post, wf, type Json, type TestServer } from './support.js'
import { openSse, type SseMessage, type SseStream } from './sse-client.js'

/**
 * Issue 7, the live event stream against a real server (port 0, read with fetch): SSE ids are seqs, a reconnect
 * with Last-Event-ID resumes right after it with no gap and no duplicate, the stream closes after the terminal
 * event, and events committed by another process (same SQLite file) arrive too.
 */

interface Live {
  readonly s: TestServer
  readonly url: string
  readonly http: ServerType
}

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function live(options: Parameters<typeof createTestServer>[0] = {}): Promise<Live> {
  const s = await createTestServer(options)
  const http = await new Promise<ServerType>((resolve) => {
    const server = serve({ fetch: s.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(server))
  })
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`
  cleanups.push(async () => {
    s.app.close()
    await new Promise<void>((resolve) => {
      http.close(() => resolve())
      ;(http as { closeAllConnections?: () => void }).closeAllConnections?.() // idle keep-alive sockets too
    })
    await s.close()
  })
  return { s, url, http }
}

function stream(s: SseStream): SseStream {
  cleanups.push(() => s.close())
  return s
}

async function startGated(l: Live, id: string): Promise<void> {
  const res = await fetch(`${l.url}/api/executions`, post({ workflow: 'gated', id }))
  expect(res.status).toBe(201)
}

async function waitStatus(l: Live, id: string, status: string): Promise<void> {
  await eventually(`${id} ${status}`, async () => {
    const e = await body(await fetch(`${l.url}/api/executions/${id}`))
    return e.status === status ? true : undefined
  })
}

const seqOf = (m: SseMessage): number => (JSON.parse(m.data) as { seq: number }).seq
const isTerminal = (m: SseMessage): boolean => /"type":"execution\.(completed|failed|cancelled)"/.test(m.data)

describe('GET /api/executions/:id/stream', () => {
  it('streams from a seq; a reconnect with Last-Event-ID resumes exactly after it; closes after the end', async () => {
    const l = await live()
    await startGated(l, 'g1')
    await waitStatus(l, 'g1', 'suspended')

    const first = stream(await openSse(`${l.url}/api/executions/g1/stream`))
    expect(first.status).toBe(200)
    expect(first.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const before: SseMessage[] = []
    for (let i = 0; i < 3; i++) before.push((await first.next())!)
    expect(before.map((m) => m.id)).toEqual(['1', '2', '3'])
    expect(before.map(seqOf)).toEqual([1, 2, 3])
    expect(before.every((m) => m.event === 'message')).toBe(true)
    first.close() // the connection drops after seq 3

    // The browser reconnects with the URL it had (after=0) and Last-Event-ID: the header wins.
    const second = stream(await openSse(`${l.url}/api/executions/g1/stream?after=0`, { 'Last-Event-ID': '3' }))
    const resumed = (await second.next())!
    expect(resumed.id).toBe('4')
    // Events committed while nobody listened, and after: the signal lets it finish.
    const parked = await second.until((m) => m.data.includes('"execution.suspended"'))
    expect((await fetch(`${l.url}/api/executions/g1/signal`, post({ topic: 'go' }))).status).toBe(200)
    const rest = await second.until(isTerminal)
    const after = [resumed, ...parked, ...rest]
    const end = (await second.next())!
    expect(end.event).toBe('end')
    expect(JSON.parse(end.data)).toEqual({ execution_id: 'g1', status: 'completed', last_seq: seqOf(rest.at(-1)!) })
    expect(await second.next()).toBeNull() // closed by the server

    const log = await body(await fetch(`${l.url}/api/executions/g1/events`))
    const all = [...before, ...after]
    expect(all.map(seqOf)).toEqual(log.events.map((e: Json) => e.seq))
    expect(all.map((m) => JSON.parse(m.data) as unknown)).toEqual(log.events)
    expect(all.map((m) => m.id)).toEqual(log.events.map((e: Json) => String(e.seq)))
  })

  it('for an ended execution: everything after the seq, then end; from its last seq, only end', async () => {
    const l = await live()
    const res = await fetch(`${l.url}/api/executions`, post({ workflow: 'hello', id: 'h1' }))
    expect(res.status).toBe(201)
    await waitStatus(l, 'h1', 'completed')
    const whole = stream(await openSse(`${l.url}/api/executions/h1/stream?after=2`))
    const messages = await whole.until((m) => m.event === 'end')
    expect(messages.map((m) => m.id)).toEqual(['3', '4', '5', '6', null])
    expect(await whole.next()).toBeNull()
    const caughtUp = stream(await openSse(`${l.url}/api/executions/h1/stream`, { 'Last-Event-ID': '6' }))
    const only = (await caughtUp.next())!
    expect(only.event).toBe('end')
    expect(JSON.parse(only.data)).toMatchObject({ status: 'completed', last_seq: 6 })
    expect(await caughtUp.next()).toBeNull()
  })

  it('answers 404 before streaming for an unknown execution, 400 for a bad Last-Event-ID', async () => {
    const l = await live()
    const missing = await fetch(`${l.url}/api/executions/nope/stream`)
    expect(missing.status).toBe(404)
    expect((await body(missing)).error.code).toBe('NOT_FOUND')
    await startGated(l, 'g2')
    const bad = await fetch(`${l.url}/api/executions/g2/stream`, { headers: { 'Last-Event-ID': 'abc' } })
    expect(bad.status).toBe(400)
  })

  it('follows events another process commits (SQLite file, change detection)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trellis-sse-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const path = join(dir, 'trellis.db')
    const l = await live({ path })
    // The other process: its own store on the same file, running the execution.
    const other: TestEngine = await createTestEngine({ path })
    cleanups.push(() => other.close())
    await other.engine.create(wf(GATED), {}, { id: 'x1' })

    const events = stream(await openSse(`${l.url}/api/executions/x1/stream`))
    const all = stream(await openSse(`${l.url}/api/stream`))
    await other.engine.resume('x1') // runs it there
    const parked = await events.until((m) => m.data.includes('"execution.suspended"'))
    expect(parked.map(seqOf)).toEqual([1, 2, 3, 4, 5])
    // A signal stored by the server's process is taken by the other one.
    expect((await fetch(`${l.url}/api/executions/x1/signal`, post({ topic: 'go', data: 'hi' }))).status).toBe(200)
    const rest = await events.until((m) => m.event === 'end')
    expect(rest.at(-1)!.event).toBe('end')
    const seqs = [...parked, ...rest.slice(0, -1)].map(seqOf)
    expect(seqs).toEqual(seqs.map((_, i) => i + 1))
    expect(other.events.filter((e) => e.execution_id === 'x1').at(-1)!.type).toBe('execution.completed')

    // The all-executions stream saw the same events, in order.
    const global = await all.until(isTerminal, 15_000)
    const x1 = global.map((m) => JSON.parse(m.data)).filter((e: Json) => e.execution_id === 'x1')
    expect(x1.map((e: Json) => e.seq)).toEqual(seqs)
  })
})

describe('GET /api/stream', () => {
  it("sends every execution's events as they are committed, each once, in seq order", async () => {
    const l = await live()
    const all = stream(await openSse(`${l.url}/api/stream`))
    expect(all.status).toBe(200)
    await new Promise((r) => setTimeout(r, 50))
    for (const id of ['a', 'b']) {
      expect((await fetch(`${l.url}/api/executions`, post({ workflow: 'hello', id }))).status).toBe(201)
    }
    const seen: Json[] = []
    await all.until((m) => {
      seen.push(JSON.parse(m.data))
      return seen.filter((e) => e.type === 'execution.completed').length === 2
    })
    for (const id of ['a', 'b']) {
      const mine = seen.filter((e) => e.execution_id === id)
      expect(mine.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6])
    }
    expect(seen.every((e) => typeof e.type === 'string')).toBe(true)
  })

  it('lets go of its subscriptions when a client leaves', async () => {
    const l = await live()
    let active = 0
    const bus = l.s.engine.events
    const onAny = bus.onAny.bind(bus)
    bus.onAny = (handler) => {
      active++
      const off = onAny(handler)
      return () => {
        active--
        off()
      }
    }
    await startGated(l, 'g4')
    const idle = active
    const one = await openSse(`${l.url}/api/executions/g4/stream`)
    const all = await openSse(`${l.url}/api/stream`)
    await one.next()
    await eventually('both subscribed', async () => (active === idle + 2 ? true : undefined))
    one.close()
    all.close()
    await eventually('both unsubscribed', async () => (active === idle ? true : undefined))
  })

  it('ends open streams when the app closes', async () => {
    const l = await live()
    await startGated(l, 'g3')
    const one = stream(await openSse(`${l.url}/api/executions/g3/stream`))
    const all = stream(await openSse(`${l.url}/api/stream`))
    await one.until((m) => m.data.includes('"execution.suspended"'))
    l.s.app.close()
    expect(await one.next()).toBeNull()
    expect(await all.next()).toBeNull()
  })
})
