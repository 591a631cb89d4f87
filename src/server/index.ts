/**
 * server: the HTTP API of `trellis serve` (Hono): REST routes, Server-Sent Events from a `seq`, one error → status
 * table, the OpenAPI document from the zod schemas that validate requests, `/metrics`, static serving of the built
 * web UI, and the engine's operations (logs, OpenTelemetry spans) from its event bus. The API's JSON types are in
 * `api-types.ts`, which the web UI imports (types only).
 *
 * May import `util`, `events`, `definition`, `store`, `engine`, `actions`, `expressions` and the packages `hono`,
 * `@hono/node-server`, `zod`, `pino`, `@opentelemetry/api`. Never `worker`, `cli` or a store implementation: the
 * composition (store, engine, worker) is the `serve` command's.
 */
export { createApp, MAX_BODY_BYTES, type AppOptions, type TrellisApp } from './app.js'
export { startServer, DEFAULT_HOST, type RunningServer, type ServerOptions } from './start.js'
export { bindingProblem, crossSiteProblem, isLoopbackHost, LOOPBACK_NAMES, TokenCheck } from './auth.js'
export { STATUS_BY_CODE, HttpError } from './errors.js'
export { EngineMetrics, DURATION_BUCKETS } from './metrics.js'
export { EngineTracing, logEvents, SPAN_ATTRIBUTES, TRACER_NAME } from './telemetry.js'
export { createServerLogger, formatLine, type ServerLoggerOptions, type ServerLogLevel } from './logging.js'
export { DEFAULT_UI_DIR } from './static.js'
export { WorkflowCatalog, toWorkflowDetail, toWorkflowSummary, type CatalogEntry } from './workflows.js'
export { openApiDocument } from './router.js'
export type * from './api-types.js'
