import { AsyncLocalStorage } from 'node:async_hooks'
import {
  context,
  ROOT_CONTEXT,
  trace,
  type Context,
  type ContextManager,
  type Span,
  type SpanOptions,
  type Tracer,
} from '@opentelemetry/api'
import { afterEach, describe, expect, it } from 'vitest'
import { createServerLogger, EngineTracing, formatLine, logEvents, SPAN_ATTRIBUTES } from '../../src/server/index.js'
import { testWorkflow } from '../support/workflow.js'
import { body, createTestServer, eventually, post, type Json, type TestServer } from './support.js'

/** Issue 7, operations: /metrics after runs, spans per execution and attempt, log lines with ids. */

let open: TestServer[] = []
afterEach(async () => {
  await Promise.all(open.map((s) => s.close()))
  open = []
})

async function server(): Promise<TestServer> {
  const s = await createTestServer()
  open.push(s)
  return s
}

async function run(s: TestServer, workflow: string, id: string, status: string): Promise<void> {
  expect((await s.app.request('/api/executions', post({ workflow, id }))).status).toBe(201)
  await eventually(`${id} ${status}`, async () =>
    (await body(await s.app.request(`/api/executions/${id}`))).status === status ? true : undefined,
  )
}

/** The samples of the exposition text, `name{labels}` → value; fails on a line that is not valid. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue
    const match = /^([a-z_]+(?:\{[^}]*\})?) (-?[0-9.e+-]+|\+Inf|NaN)$/.exec(line)
    expect(match, `not a sample line: ${line}`).not.toBeNull()
    out.set(match![1]!, Number(match![2]))
  }
  return out
}

describe('GET /metrics', () => {
  it('counts executions, attempts and durations, and reads queue depth and waiting executions', async () => {
    const s = await server()
    await run(s, 'hello', 'h1', 'completed')
    await run(s, 'hello', 'h2', 'completed')
    await run(s, 'flaky', 'f1', 'failed')
    await run(s, 'gated', 'g1', 'suspended')
    const res = await s.app.request('/metrics')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    const text = await res.text()
    expect(text).toContain('# TYPE trellis_step_duration_seconds histogram')
    const m = samples(text)
    expect(m.get('trellis_executions_started_total')).toBe(4)
    expect(m.get('trellis_executions_ended_total{status="completed"}')).toBe(2)
    expect(m.get('trellis_executions_ended_total{status="failed"}')).toBe(1)
    expect(m.get('trellis_executions_ended_total{status="cancelled"}')).toBe(0)
    // hello: 2 attempts each; gated: 1 so far; flaky: 2 failed attempts (one retried).
    expect(m.get('trellis_attempts_total{outcome="completed"}')).toBe(5)
    expect(m.get('trellis_attempts_total{outcome="failed"}')).toBe(2)
    expect(m.get('trellis_attempt_retries_total')).toBe(1)
    expect(m.get('trellis_step_duration_seconds_count{outcome="completed"}')).toBe(5)
    expect(m.get('trellis_step_duration_seconds_bucket{outcome="completed",le="+Inf"}')).toBe(5)
    expect(m.get('trellis_step_duration_seconds_count{outcome="failed"}')).toBe(2)
    // Buckets are cumulative.
    const buckets = [...m].filter(([k]) => k.startsWith('trellis_step_duration_seconds_bucket{outcome="completed"'))
    expect(buckets.map(([, v]) => v)).toEqual([...buckets.map(([, v]) => v)].sort((a, b) => a - b))
    expect(m.get('trellis_executions{status="suspended"}')).toBe(1)
    expect(m.get('trellis_waiting_executions')).toBe(1)
    expect(m.get('trellis_queue_depth')).toBe(0)
    expect(m.get('trellis_attempts_running')).toBe(0)
  })

  it('counts executions created for a worker as queue depth', async () => {
    const s = await server()
    await s.engine.create('hello', {}, { id: 'queued-1' })
    await s.engine.create('hello', {}, { id: 'queued-2' })
    const m = samples(await (await s.app.request('/metrics')).text())
    expect(m.get('trellis_queue_depth')).toBe(2)
    expect(m.get('trellis_executions{status="pending"}')).toBe(2)
  })

  it('counts ready steps no worker has claimed yet as queue depth', async () => {
    const s = await server()
    await s.engine.create('hello', {}, { id: 'started-1' })
    await s.engine.create('hello', {}, { id: 'queued-1' })
    // Started the way a worker starts it, but with no room to run its first step: the step waits for any worker.
    expect(await s.engine.decideUnheld('started-1', 'due', { take: 0 })).toMatchObject({ outcome: 'decided', added: 1 })
    const m = samples(await (await s.app.request('/metrics')).text())
    expect(m.get('trellis_executions{status="running"}')).toBe(1)
    expect(m.get('trellis_queue_depth')).toBe(2)
  })
})

/** A tracer that records what it is asked to do. */
function recordingTracer(): { tracer: Tracer; spans: Json[] } {
  const spans: Json[] = []
  const tracer = {
    startSpan(name: string, options: SpanOptions = {}, context?: unknown) {
      const record: Json = {
        name,
        attributes: { ...options.attributes },
        start: options.startTime,
        ended: false,
        context,
      }
      spans.push(record)
      const span = {
        setAttribute(key: string, value: unknown) {
          record.attributes[key] = value
          return span
        },
        setStatus(status: unknown) {
          record.status = status
          return span
        },
        addEvent(event: string) {
          ;(record.events ??= []).push(event)
          return span
        },
        end(at: unknown) {
          record.ended = true
          record.end = at
        },
        spanContext: () => ({ traceId: '0'.repeat(32), spanId: String(spans.length).padStart(16, '0'), traceFlags: 1 }),
        isRecording: () => true,
      }
      record.span = span
      return span as unknown as Span
    },
  }
  return { tracer: tracer as unknown as Tracer, spans }
}

describe('traces', () => {
  it('makes a span per execution and per attempt, with step, attempt and outcome', async () => {
    const s = await server()
    const { tracer, spans } = recordingTracer()
    const tracing = new EngineTracing(s.engine.events, tracer)
    try {
      await run(s, 'hello', 'h1', 'completed')
      await run(s, 'flaky', 'f1', 'failed')
    } finally {
      tracing.close()
    }
    const execution = spans.find((x) => x.name === 'execution h1')
    expect(execution).toMatchObject({
      ended: true,
      attributes: { [SPAN_ATTRIBUTES.executionId]: 'h1', [SPAN_ATTRIBUTES.outcome]: 'completed' },
    })
    const greet = spans.find((x) => x.name === 'step greet')
    expect(greet).toMatchObject({
      ended: true,
      attributes: {
        [SPAN_ATTRIBUTES.step]: 'greet',
        [SPAN_ATTRIBUTES.attempt]: 1,
        [SPAN_ATTRIBUTES.outcome]: 'completed',
      },
    })
    expect(greet.context).toBeDefined() // a child of the execution's span
    const tries = spans.filter((x) => x.name === 'step try')
    expect(tries.map((x) => [x.attributes[SPAN_ATTRIBUTES.attempt], x.attributes[SPAN_ATTRIBUTES.outcome]])).toEqual([
      [1, 'retrying'],
      [2, 'failed'],
    ])
    expect(tries[1].attributes[SPAN_ATTRIBUTES.errorCode]).toBe('FLAKY')
    expect(spans.find((x) => x.name === 'execution f1')).toMatchObject({
      ended: true,
      attributes: { [SPAN_ATTRIBUTES.outcome]: 'failed' },
      status: { code: 2 },
    })
    expect(spans.every((x) => x.ended)).toBe(true)
  })
})

describe('the attempt span while the action runs', () => {
  it('is the active span, so spans the action makes are its children', async () => {
    // What an OpenTelemetry SDK registers: a context manager that follows async work.
    const storage = new AsyncLocalStorage<Context>()
    const manager: ContextManager = {
      active: () => storage.getStore() ?? ROOT_CONTEXT,
      with: (ctx, fn, thisArg, ...args) => storage.run(ctx, () => fn.call(thisArg, ...args)),
      bind: (_ctx, target) => target,
      enable: () => manager,
      disable: () => manager,
    }
    expect(context.setGlobalContextManager(manager)).toBe(true)
    const s = await server()
    const { tracer, spans } = recordingTracer()
    const tracing = new EngineTracing(s.engine.events, tracer)
    s.engine.aroundAttempt = tracing.aroundAttempt
    const seen: unknown[] = []
    s.engine.actions.register('spy', () => void seen.push(trace.getActiveSpan()), 'test')
    try {
      const done = await s.engine.run(testWorkflow({ look: { action: 'spy' } }, { name: 'spying' }))
      expect(done.status).toBe('completed')
    } finally {
      tracing.close()
      context.disable()
    }
    const look = spans.find((x) => x.name === 'step look')
    expect(look).toBeDefined()
    expect(seen).toHaveLength(1)
    expect(seen[0]).toBe(look.span)
  })
})

describe('logs', () => {
  it('writes a JSON line per event with execution_id, step and attempt', async () => {
    const s = await server()
    const lines: string[] = []
    const logger = createServerLogger({ level: 'debug', stream: { write: (l: string) => void lines.push(l) } })
    const off = logEvents(s.engine.events, logger)
    try {
      await run(s, 'flaky', 'f1', 'failed')
    } finally {
      off()
    }
    const records = lines.map((l) => JSON.parse(l))
    const retry = records.find((r) => r.msg === 'step.retrying')
    expect(retry).toMatchObject({ level: 40, execution_id: 'f1', step: 'try', attempt: 1, error_code: 'FLAKY' })
    expect(records.find((r) => r.msg === 'step.started')).toMatchObject({ execution_id: 'f1', step: 'try', attempt: 1 })
    expect(records.find((r) => r.msg === 'execution.failed')).toMatchObject({ level: 40, execution_id: 'f1' })
    for (const r of records) expect(r.execution_id).toBe('f1')
  })

  it('formats lines for a terminal', () => {
    const line = JSON.stringify({
      level: 30,
      time: Date.UTC(2026, 0, 2, 3, 4, 5),
      pid: 1,
      msg: 'step.started',
      execution_id: 'e1',
      step: 'a b',
      attempt: 2,
    })
    expect(formatLine(line)).toBe('03:04:05 INFO  step.started execution_id=e1 step="a b" attempt=2\n')
    const failed = formatLine(
      JSON.stringify({ level: 50, time: 0, msg: 'boom', err: { message: 'x', stack: 'Error: x\n  at y' } }),
    )
    expect(failed).toBe('00:00:00 ERROR boom err="x"\n    Error: x\n      at y\n')
    expect(formatLine('not json\n')).toBe('not json\n')
    const lines: string[] = []
    createServerLogger({ level: 'info', pretty: true, stream: { write: (l: string) => void lines.push(l) } }).info(
      { execution_id: 'e2' },
      'hi',
    )
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d INFO {2}hi execution_id=e2\n$/)
  })
})
