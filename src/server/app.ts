import { readFileSync } from 'node:fs'
import { Hono, type Context, type Next } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { loadWorkflow, type Workflow } from '../definition/index.js'
import { ExecutionNotFoundError, toWireEvent, toWireExecution, toWireSummary, type Engine } from '../engine/index.js'
import { silentLogger, type Logger } from '../util/index.js'
import type { ApiEvent, ApiEventPage, ApiExecutionPage, ApiHealth } from './api-types.js'
import { crossSiteProblem, hostName, TokenCheck } from './auth.js'
import { errorResponse, handleError, HttpError } from './errors.js'
import { AllEventsFeed } from './event-feed.js'
import { EngineMetrics } from './metrics.js'
import { openApiDocument, Router } from './router.js'
import {
  errorSchema,
  eventPageSchema,
  eventsQuery,
  executionPageSchema,
  executionParams,
  executionSchema,
  globalStreamQuery,
  healthSchema,
  listQuery,
  reasonRequest,
  registerWorkflowRequest,
  signalRequest,
  startRequest,
  streamQuery,
  workflowDetailSchema,
  workflowListSchema,
  workflowParams,
} from './schemas.js'
import { streamAll, streamExecution } from './sse.js'
import { DEFAULT_UI_DIR, uiHandler } from './static.js'
import { rejectFileChildren, WorkflowCatalog, toWorkflowDetail, toWorkflowSummary } from './workflows.js'
import type { CatalogEntry } from './workflows.js'

/** The largest request body accepted (1 MiB); larger ones are answered 413. */
export const MAX_BODY_BYTES = 1024 * 1024

/** What {@link createApp} needs. */
export interface AppOptions {
  readonly engine: Engine
  /** When set, every `/api` route (but health and the OpenAPI document) and `/metrics` need `Authorization: Bearer`. */
  readonly token?: string
  /** @default silentLogger */
  readonly logger?: Logger
  /** Workflows to show and start by name (also registered with the engine). */
  readonly workflows?: readonly (Workflow | CatalogEntry)[]
  /** The built UI; null serves only the "not built" page. @default dist/ui of the package */
  readonly uiDir?: string | null
  /**
   * How `POST /api/executions` starts an execution: `attached` runs it in this process at once (engine.start);
   * `detached` only creates it and leaves it to a worker (engine.create). @default 'attached'
   */
  readonly startMode?: 'attached' | 'detached'
  /** @default MAX_BODY_BYTES */
  readonly maxBodyBytes?: number
  /**
   * Host names (`Host` header) this server answers to; null for any. A server bound to loopback should answer only
   * to loopback names, or a web page could reach it through DNS rebinding. `startServer` sets it.
   * @default null
   */
  readonly allowedHosts?: readonly string[] | null
}

/** The Hono app plus what it holds open. */
export type TrellisApp = Hono & {
  readonly catalog: WorkflowCatalog
  readonly metrics: EngineMetrics
  /** Every declared route (for the OpenAPI document and its test). */
  readonly apiRoutes: Router['routes']
  /** Ends open event streams and stops counting metrics. */
  close(): void
}

const VERSION = packageVersion()
/** Routes anyone may read, token or not: they hold no execution data. */
const PUBLIC_PATHS = new Set(['/api/health', '/api/openapi.json'])

const ERROR = { description: 'An error.', schema: errorSchema }
const NOT_FOUND = { description: 'No such execution (`NOT_FOUND`).', schema: errorSchema }
const BAD = { description: 'A path or query parameter or the body does not fit (`BAD_REQUEST`).', schema: errorSchema }

/**
 * The HTTP API of `trellis serve`, the event streams, `/metrics` and the web UI, as a Hono app (test it with
 * `app.request()`; serve it with {@link startServer}).
 *
 * @example
 * const app = createApp({ engine, logger })
 * const res = await app.request('/api/executions', { method: 'POST', body: JSON.stringify({ workflow: 'hello' }),
 *   headers: { 'content-type': 'application/json' } })
 */
export function createApp(options: AppOptions): TrellisApp {
  const { engine } = options
  const logger = options.logger ?? silentLogger
  const tokenCheck = options.token === undefined || options.token === '' ? null : new TokenCheck(options.token)
  const startMode = options.startMode ?? 'attached'
  const shutdown = new AbortController()
  const catalog = new WorkflowCatalog()
  for (const item of options.workflows ?? []) {
    const entry: CatalogEntry = 'workflow' in item && 'source' in item ? item : { workflow: item, source: null }
    engine.register(entry.workflow)
    catalog.set(entry)
  }
  const metrics = new EngineMetrics(engine.events, engine.store)
  const feed = new AllEventsFeed({ store: engine.store, bus: engine.events, logger })
  const sources = { store: engine.store, bus: engine.events }

  const app = new Hono()
  const router = new Router(app)
  app.onError((err, c) => handleError(err, c, logger))

  // Access log without the query string (it may hold an access_token).
  app.use('*', async (c, next) => {
    const started = performance.now()
    await next()
    logger.debug(
      { method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) },
      'request',
    )
  })

  // Browsers: no page of another site may change anything here, and no other host name may reach a loopback server.
  const allowedHosts =
    options.allowedHosts === undefined || options.allowedHosts === null ? null : new Set(options.allowedHosts)
  app.use('*', async (c: Context, next: Next) => {
    const host = c.req.header('host')
    if (allowedHosts !== null && (host === undefined || !allowedHosts.has(hostName(host)))) {
      return errorResponse(c, 'FORBIDDEN', `This server does not answer to the host name "${host ?? ''}".`)
    }
    const problem = crossSiteProblem({
      method: c.req.method,
      host,
      origin: c.req.header('origin'),
      fetchSite: c.req.header('sec-fetch-site'),
    })
    if (problem !== null) return errorResponse(c, 'FORBIDDEN', problem)
    return next()
  })

  app.use(
    '/api/*',
    bodyLimit({
      maxSize: options.maxBodyBytes ?? MAX_BODY_BYTES,
      onError: (c) =>
        errorResponse(
          c,
          'PAYLOAD_TOO_LARGE',
          `The body is over the limit of ${options.maxBodyBytes ?? MAX_BODY_BYTES} bytes.`,
        ),
    }),
  )

  if (tokenCheck !== null) {
    const guard = async (c: Context, next: () => Promise<void>): Promise<Response | void> => {
      if (PUBLIC_PATHS.has(c.req.path)) return next()
      let given = TokenCheck.fromHeader(c.req.header('authorization'))
      // EventSource cannot send headers: the two stream routes also take the token as a query parameter.
      if (given === null && c.req.method === 'GET' && isStreamPath(c.req.path))
        given = c.req.query('access_token') ?? null
      if (given === null || !tokenCheck.matches(given)) {
        c.header('WWW-Authenticate', 'Bearer realm="trellis"')
        return errorResponse(
          c,
          'UNAUTHORIZED',
          given === null
            ? 'This server needs a token: send Authorization: Bearer <token>.'
            : 'The token is not the one this server was started with.',
        )
      }
      return next()
    }
    app.use('/api/*', guard)
    app.use('/metrics', guard)
  }

  // --- workflows ---------------------------------------------------------------------------------------------

  router.add(
    {
      method: 'get',
      path: '/api/workflows',
      tag: 'workflows',
      summary: 'The registered workflows, sorted by name.',
      responses: { 200: { description: 'Workflow summaries.', schema: workflowListSchema } },
    },
    (c) => c.json(catalog.list().map((entry) => toWorkflowSummary(entry.workflow))),
  )

  router.add(
    {
      method: 'get',
      path: '/api/workflows/:name',
      tag: 'workflows',
      summary: 'A workflow: inputs, graph (nodes and edges with kinds), mermaid and source.',
      params: workflowParams,
      responses: { 200: { description: 'The workflow.', schema: workflowDetailSchema }, 404: ERROR },
    },
    (c, { params }) => {
      const entry = findWorkflow(params.name)
      if (entry === undefined) throw unknownWorkflow(params.name)
      return c.json(toWorkflowDetail(entry.workflow, entry.source))
    },
  )

  router.add(
    {
      method: 'post',
      path: '/api/workflows',
      tag: 'workflows',
      summary: 'Register (or replace) a workflow definition.',
      description:
        'The body is the YAML or JSON definition itself (`Content-Type: application/yaml`, `text/yaml`, `text/plain` ' +
        'or `application/json`), or `{ "source": "…" }` as JSON. An invalid definition is answered 422 with every ' +
        'problem and its line and column.',
      body: registerWorkflowRequest,
      readsOwnBody: true,
      otherBodyTypes: ['application/yaml', 'text/yaml', 'text/plain'],
      responses: {
        200: { description: 'Replaced a workflow of that name.', schema: workflowDetailSchema },
        201: { description: 'Registered.', schema: workflowDetailSchema },
        400: BAD,
        415: ERROR,
        422: { description: 'The definition is invalid (`INVALID_DEFINITION`, with `problems`).', schema: errorSchema },
      },
    },
    async (c) => {
      const source = await readDefinitionText(c)
      const workflow = loadWorkflow(
        { text: source, file: null },
        {
          isKnownAction: (name) => engine.actions.has(name),
          isKnownWorkflow: (name) => findWorkflow(name) !== undefined,
        },
      )
      rejectFileChildren(workflow)
      engine.register(workflow)
      const isNew = catalog.set({ workflow, source })
      logger.info({ workflow: workflow.name, steps: Object.keys(workflow.steps).length }, 'workflow registered')
      return c.json(toWorkflowDetail(workflow, source), isNew ? 201 : 200)
    },
  )

  // --- executions --------------------------------------------------------------------------------------------

  router.add(
    {
      method: 'post',
      path: '/api/executions',
      tag: 'executions',
      summary: 'Start an execution of a registered workflow.',
      description:
        'With `id`: when an execution with that id exists with the same workflow and inputs (after defaults), ' +
        'nothing is created and it is answered 200; with another workflow or other inputs, 409 `CONFLICT`.',
      body: startRequest,
      responses: {
        200: { description: 'It existed already (idempotent start).', schema: executionSchema },
        201: { description: 'Created and started.', schema: executionSchema },
        400: BAD,
        404: { description: 'No such workflow.', schema: errorSchema },
        409: { description: 'The id exists with another workflow or other inputs.', schema: errorSchema },
        422: { description: 'The inputs do not fit the workflow (`INVALID_INPUT`).', schema: errorSchema },
      },
    },
    async (c, { body }) => {
      const workflow = findWorkflow(body.workflow)?.workflow
      if (workflow === undefined) throw unknownWorkflow(body.workflow)
      const inputs = body.inputs ?? {}
      const existed = body.id !== undefined && (await engine.store.findExecution(body.id)) !== undefined
      let id: string
      if (existed || startMode === 'detached') {
        // Creates nothing when it exists; refuses another workflow or other inputs (409).
        id = (await engine.create(workflow, inputs, body.id === undefined ? {} : { id: body.id })).id
        nudgeWorker()
      } else {
        id = (await engine.start(workflow, inputs, body.id === undefined ? {} : { id: body.id })).id
      }
      return c.json(toWireExecution(await engine.get(id)), existed ? 200 : 201)
    },
  )

  router.add(
    {
      method: 'get',
      path: '/api/executions',
      tag: 'executions',
      summary: 'Executions, newest first, one page at a time.',
      query: listQuery,
      responses: { 200: { description: 'A page.', schema: executionPageSchema }, 400: BAD },
    },
    async (c, { query }) => {
      const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor)
      const rows = await engine.store.listExecutions({
        ...(query.status === undefined ? {} : { status: query.status }),
        ...(query.workflow === undefined ? {} : { workflow: query.workflow }),
        ...(query.parent_id === undefined ? {} : { parentId: query.parent_id }),
        ...(query.id_prefix === undefined ? {} : { idPrefix: query.id_prefix }),
        ...(before === undefined ? {} : { before }),
        limit: query.limit + 1,
      })
      const page = rows.slice(0, query.limit)
      const last = page.at(-1)
      const body: ApiExecutionPage = {
        executions: page.map(toWireSummary),
        next_cursor: rows.length > query.limit && last !== undefined ? encodeCursor(last.createdAt, last.id) : null,
      }
      return c.json(body)
    },
  )

  router.add(
    {
      method: 'get',
      path: '/api/executions/:id',
      tag: 'executions',
      summary: 'The execution object (as `trellis status --json`).',
      params: executionParams,
      responses: { 200: { description: 'The execution.', schema: executionSchema }, 400: BAD, 404: NOT_FOUND },
    },
    async (c, { params }) => c.json(toWireExecution(await engine.get(params.id))),
  )

  router.add(
    {
      method: 'get',
      path: '/api/executions/:id/workflow',
      tag: 'executions',
      summary: 'The definition snapshot the execution runs, with its graph.',
      params: executionParams,
      responses: { 200: { description: 'The workflow.', schema: workflowDetailSchema }, 400: BAD, 404: NOT_FOUND },
    },
    async (c, { params }) => {
      const record = await engine.store.findExecution(params.id)
      if (record === undefined) throw new ExecutionNotFoundError(params.id)
      const registered = catalog.get(record.workflow)
      // The registered source only when it is the very definition this execution runs.
      const source =
        registered !== undefined && JSON.stringify(registered.workflow) === JSON.stringify(record.definition)
          ? registered.source
          : null
      return c.json(toWorkflowDetail(record.definition, source))
    },
  )

  router.add(
    {
      method: 'get',
      path: '/api/executions/:id/events',
      tag: 'executions',
      summary: 'The event log, from a seq.',
      params: executionParams,
      query: eventsQuery,
      responses: {
        200: { description: 'Events with seq > after.', schema: eventPageSchema },
        400: BAD,
        404: NOT_FOUND,
      },
    },
    async (c, { params, query }) => {
      if ((await engine.store.findExecution(params.id)) === undefined) throw new ExecutionNotFoundError(params.id)
      const events = await engine.store.readEvents(params.id, query.after, query.limit + 1)
      const page = events.slice(0, query.limit)
      const body: ApiEventPage = {
        // toWireEvent copies a TrellisEvent's own fields: each keeps its type/data pairing.
        events: page.map(toWireEvent) as ApiEvent[],
        last_seq: page.at(-1)?.seq ?? query.after,
        has_more: events.length > query.limit,
      }
      return c.json(body)
    },
  )

  const operator = (
    name: 'pause' | 'resume' | 'cancel' | 'retry',
    summary: string,
    run: (id: string, reason: string | null) => Promise<unknown>,
  ): void => {
    const takesReason = name === 'pause' || name === 'cancel'
    router.add(
      {
        method: 'post',
        path: `/api/executions/:id/${name}`,
        tag: 'executions',
        summary,
        params: executionParams,
        ...(takesReason ? { body: reasonRequest, bodyRequired: false } : {}),
        responses: {
          200: {
            description: 'Done (or stored for the process that runs it); the execution now.',
            schema: executionSchema,
          },
          400: BAD,
          404: NOT_FOUND,
          409: { description: "The execution's status refuses it (`INVALID_STATE`).", schema: errorSchema },
        },
      },
      async (c, { params, body }) => {
        const reason = (body as { reason?: string } | undefined)?.reason ?? null
        await run(params.id, reason)
        logger.info({ execution_id: params.id, ...(reason === null ? {} : { reason }) }, `${name} requested`)
        return c.json(toWireExecution(await engine.get(params.id)))
      },
    )
  }

  router.add(
    {
      method: 'post',
      path: '/api/executions/:id/signal',
      tag: 'executions',
      summary: 'Deliver a signal.',
      params: executionParams,
      body: signalRequest,
      responses: {
        200: { description: 'Stored; the execution now.', schema: executionSchema },
        400: BAD,
        404: NOT_FOUND,
        409: { description: 'The execution has ended (`INVALID_STATE`).', schema: errorSchema },
      },
    },
    async (c, { params, body }) => {
      await engine.signal(params.id, body.topic, body.data ?? null)
      nudgeWorker()
      return c.json(toWireExecution(await engine.get(params.id)))
    },
  )
  operator('pause', 'Pause: running attempts finish, nothing new starts.', (id, reason) => engine.pause(id, reason))
  operator('resume', 'Resume a paused execution, or continue an interrupted one in this process.', (id) =>
    engine.resume(id),
  )
  operator('cancel', 'Cancel: running and parked steps are cancelled; the execution ends cancelled.', (id, reason) =>
    engine.cancel(id, reason),
  )
  operator('retry', 'Run a failed execution again from its failed steps, same id.', (id) => engine.retry(id))

  // --- streams -----------------------------------------------------------------------------------------------

  router.add(
    {
      method: 'get',
      path: '/api/executions/:id/stream',
      tag: 'streams',
      summary: "The execution's events as Server-Sent Events, live, until its terminal event.",
      description:
        'Each event is an SSE message with `id` = its seq and `data` = the event JSON. A reconnect sends ' +
        '`Last-Event-ID` and resumes right after it. After the terminal event an `end` message follows and the ' +
        'stream closes.',
      params: executionParams,
      query: streamQuery,
      responses: {
        200: { description: 'An event stream.', contentType: 'text/event-stream' },
        400: BAD,
        404: NOT_FOUND,
      },
    },
    async (c, { params, query }) => {
      const header = c.req.header('last-event-id')
      let after = query.after
      if (header !== undefined && header.trim() !== '') {
        if (!/^\d{1,15}$/.test(header.trim())) {
          throw new HttpError('BAD_REQUEST', `Last-Event-ID must be an event seq (a whole number); got "${header}".`)
        }
        after = Number(header.trim())
      }
      if ((await engine.store.findExecution(params.id)) === undefined) throw new ExecutionNotFoundError(params.id)
      return streamExecution(c, sources, params.id, after, shutdown.signal, logger)
    },
  )

  router.add(
    {
      method: 'get',
      path: '/api/stream',
      tag: 'streams',
      summary: "Every execution's events as Server-Sent Events, live (no replay).",
      query: globalStreamQuery,
      responses: { 200: { description: 'An event stream.', contentType: 'text/event-stream' }, 400: BAD },
    },
    (c) => streamAll(c, feed, shutdown.signal),
  )

  // --- service -----------------------------------------------------------------------------------------------

  router.add(
    {
      method: 'get',
      path: '/api/health',
      tag: 'service',
      summary: 'Liveness; needs no token.',
      auth: false,
      responses: { 200: { description: 'Up.', schema: healthSchema } },
    },
    (c) => c.json({ ok: true, version: VERSION, store: engine.store.dialect } satisfies ApiHealth),
  )

  router.add(
    {
      method: 'get',
      path: '/metrics',
      tag: 'service',
      summary: 'Prometheus metrics (text exposition format 0.0.4).',
      responses: { 200: { description: 'Metrics.', contentType: 'text/plain; version=0.0.4' } },
    },
    async (c) => c.body(await metrics.render(), 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }),
  )

  router.add(
    {
      method: 'get',
      path: '/api/openapi.json',
      tag: 'service',
      summary: 'This API as an OpenAPI 3.1 document; needs no token.',
      auth: false,
      responses: { 200: { description: 'The document.', contentType: 'application/json' } },
    },
    (c) => c.json(openApiDocument(router.routes, { version: VERSION })),
  )

  // --- everything else: JSON 404 under /api, the web UI elsewhere ---------------------------------------------

  const ui = uiHandler(options.uiDir === undefined ? DEFAULT_UI_DIR : options.uiDir)
  app.get('*', (c) => (isApiPath(c.req.path) ? notFound(c) : ui(c)))
  app.notFound((c) => notFound(c))

  /**
   * A signal to an execution nobody holds here, or a detached start, is work for a worker. A worker in this process
   * hears of other processes' commits, not of this one's, until its poll: wake its claim loop now.
   */
  function nudgeWorker(): void {
    engine.onCapacity?.()
  }

  function findWorkflow(name: string): CatalogEntry | undefined {
    const entry = catalog.get(name)
    if (entry !== undefined) return entry
    const workflow = engine.findWorkflow(name)
    return workflow === undefined ? undefined : { workflow, source: null }
  }

  function unknownWorkflow(name: string): HttpError {
    const known = catalog.list().map((e) => e.workflow.name)
    return new HttpError(
      'NOT_FOUND',
      `No workflow "${name}" is registered${known.length > 0 ? ` (registered: ${known.slice(0, 20).join(', ')})` : ''}. ` +
        'Register it with POST /api/workflows, or start trellis serve with --workflow FILE.',
    )
  }

  return Object.assign(app, {
    catalog,
    metrics,
    apiRoutes: router.routes,
    close() {
      shutdown.abort()
      metrics.close()
    },
  })
}

function notFound(c: Context): Response {
  return errorResponse(
    c,
    'NOT_FOUND',
    `No route ${c.req.method} ${c.req.path}. The routes are listed at /api/openapi.json.`,
  )
}

function isApiPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/') || path === '/metrics' || path.startsWith('/metrics/')
}

function isStreamPath(path: string): boolean {
  return path === '/api/stream' || /^\/api\/executions\/[^/]+\/stream$/.test(path)
}

/** `POST /api/workflows`: the definition's text from a YAML/text body, a JSON definition, or `{ "source" }`. */
async function readDefinitionText(c: Context): Promise<string> {
  const type = (c.req.header('content-type') ?? '').toLowerCase()
  const text = await c.req.text()
  if (text.trim() === '') throw new HttpError('BAD_REQUEST', 'Send the workflow definition (YAML or JSON) as the body.')
  if (/^application\/([\w.+-]*\+)?json\b/.test(type)) {
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (error) {
      throw new HttpError('BAD_REQUEST', `The body is not valid JSON: ${(error as Error).message}`)
    }
    // `{ "source": "…" }` wraps a definition; any other JSON object is the definition itself.
    if (parsed !== null && typeof parsed === 'object' && 'source' in parsed && !('steps' in parsed)) {
      const wrapped = registerWorkflowRequest.safeParse(parsed)
      if (!wrapped.success) {
        const issues = wrapped.error.issues.map((i) => ({
          path: ['body', ...i.path.map(String)].join('.'),
          message: i.message,
        }))
        throw new HttpError(
          'BAD_REQUEST',
          `Invalid request: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
          { issues },
        )
      }
      return wrapped.data.source
    }
    return text
  }
  if (type === '' || type.startsWith('text/') || /^application\/(x-)?yaml\b/.test(type)) return text
  throw new HttpError(
    'UNSUPPORTED_MEDIA_TYPE',
    `Send the definition as application/yaml, text/yaml, text/plain or application/json (got ${type}).`,
  )
}

/** Opaque page cursor: where the previous page ended. */
function encodeCursor(createdAt: number, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id]), 'utf8').toString('base64url')
}

function decodeCursor(cursor: string): { createdAt: number; id: string } {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown
    if (Array.isArray(value) && typeof value[0] === 'number' && typeof value[1] === 'string') {
      return { createdAt: value[0], id: value[1] }
    }
  } catch {
    // fall through
  }
  throw new HttpError('BAD_REQUEST', 'query.cursor is not a cursor this server gave out; use next_cursor as is.', {
    issues: [{ path: 'query.cursor', message: 'not a valid cursor' }],
  })
}

/** The version in package.json (two levels up from both src/server and dist/server). */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown
    }
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0'
  } catch {
    return '0.0.0'
  }
}
