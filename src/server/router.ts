import type { Context, Hono } from 'hono'
import { z } from 'zod'
import type { ApiFieldIssue } from './api-types.js'
import { HttpError } from './errors.js'
import { errorSchema, schemaRegistry } from './schemas.js'

/**
 * Routes declared once: the same declaration registers the Hono handler, validates the request with its zod
 * schemas and describes the route in the OpenAPI document. A route that is not declared here is not served.
 */

type Method = 'get' | 'post'

/** One documented answer of a route. */
export interface ResponseSpec {
  readonly description: string
  /** A registered response schema (JSON), or none. */
  readonly schema?: z.ZodType
  /** @default 'application/json' */
  readonly contentType?: string
}

/** A route: method, path (Hono syntax, `:id`), request schemas and answers. */
export interface RouteSpec<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
> {
  readonly method: Method
  readonly path: string
  readonly summary: string
  readonly description?: string
  readonly tag: 'executions' | 'workflows' | 'streams' | 'service'
  readonly params?: P
  readonly query?: Q
  /** A JSON body validated by this schema. */
  readonly body?: B
  /** When false, an empty body stands for `{}`. @default true */
  readonly bodyRequired?: boolean
  /** Other content types the route takes (documentation only). */
  readonly otherBodyTypes?: readonly string[]
  /** The handler reads the body itself (`body` then only documents the JSON form). @default false */
  readonly readsOwnBody?: boolean
  /** @default true */
  readonly auth?: boolean
  readonly responses: Readonly<Record<number, ResponseSpec>>
}

/** What a handler gets: the validated request. */
export interface Validated<P, Q, B> {
  readonly params: P
  readonly query: Q
  readonly body: B
}

type Out<S> = S extends z.ZodType ? z.output<S> : undefined

/** Declares routes on a Hono app and remembers them for the OpenAPI document. */
export class Router {
  readonly #app: Hono
  readonly routes: RouteSpec[] = []

  constructor(app: Hono) {
    this.#app = app
  }

  /** Registers `handler` for `spec`; the request is validated first (400 with every wrong field). */
  add<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
    spec: RouteSpec<P, Q, B>,
    handler: (c: Context, request: Validated<Out<P>, Out<Q>, Out<B>>) => Response | Promise<Response>,
  ): void {
    this.routes.push(spec)
    this.#app.on(spec.method.toUpperCase(), spec.path, async (c) => {
      const issues: ApiFieldIssue[] = []
      const params = parse(spec.params, c.req.param(), 'path', issues)
      const query = parse(spec.query, c.req.query(), 'query', issues)
      let body: unknown = undefined
      if (spec.body !== undefined && spec.readsOwnBody !== true)
        body = parse(spec.body, await readJsonBody(c, spec.bodyRequired ?? true), 'body', issues)
      if (issues.length > 0) {
        const first = issues
          .slice(0, 3)
          .map((i) => `${i.path}: ${i.message}`)
          .join('; ')
        throw new HttpError('BAD_REQUEST', `Invalid request: ${first}${issues.length > 3 ? '; …' : ''}`, { issues })
      }
      return handler(c, { params, query, body } as Validated<Out<P>, Out<Q>, Out<B>>)
    })
  }
}

function parse(schema: z.ZodType | undefined, value: unknown, where: string, issues: ApiFieldIssue[]): unknown {
  if (schema === undefined) return undefined
  const result = schema.safeParse(value)
  if (result.success) return result.data
  for (const issue of result.error.issues) {
    issues.push({ path: [where, ...issue.path.map(String)].join('.'), message: issue.message })
  }
  return undefined
}

/** Reads a JSON body: 415 unless it is JSON, 400 when it does not parse; an empty optional body is `{}`. */
export async function readJsonBody(c: Context, required: boolean): Promise<unknown> {
  const text = await c.req.text()
  if (text.trim() === '') {
    if (!required) return {}
    throw new HttpError('BAD_REQUEST', 'This route needs a JSON body.')
  }
  const type = c.req.header('content-type')
  if (type !== undefined && !/^application\/([\w.+-]*\+)?json\b/i.test(type.trim())) {
    throw new HttpError('UNSUPPORTED_MEDIA_TYPE', `Send the body as application/json (got ${type}).`)
  }
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new HttpError('BAD_REQUEST', `The body is not valid JSON: ${(error as Error).message}`)
  }
}

/** Hono's `:name` path parameters in OpenAPI's `{name}` spelling. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}')
}

/**
 * The OpenAPI 3.1 document of the declared routes, from the same zod schemas that validate requests (zod 4's
 * JSON Schema output is draft 2020-12, which OpenAPI 3.1 uses as is).
 */
export function openApiDocument(routes: readonly RouteSpec[], info: { version: string }): Record<string, unknown> {
  const ref = (schema: z.ZodType): Record<string, unknown> => {
    const meta = schemaRegistry.get(schema)
    return meta === undefined ? jsonSchema(schema, 'output') : { $ref: `#/components/schemas/${meta.id}` }
  }
  const paths: Record<string, Record<string, unknown>> = {}
  for (const route of routes) {
    const operation: Record<string, unknown> = {
      operationId: `${route.method}${openApiPath(route.path).replace(/[^A-Za-z0-9]+(.)?/g, (_, ch?: string) => (ch ?? '').toUpperCase())}`,
      summary: route.summary,
      tags: [route.tag],
      parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
      responses: Object.fromEntries(
        Object.entries(route.responses).map(([status, response]) => [
          status,
          {
            description: response.description,
            ...(response.schema === undefined && response.contentType === undefined
              ? {}
              : {
                  content: {
                    [response.contentType ?? 'application/json']:
                      response.schema === undefined ? {} : { schema: ref(response.schema) },
                  },
                }),
          },
        ]),
      ),
    }
    if (route.description !== undefined) operation.description = route.description
    if (route.auth === false) operation.security = []
    if (route.body !== undefined) {
      const content: Record<string, unknown> = { 'application/json': { schema: ref(route.body) } }
      for (const type of route.otherBodyTypes ?? []) content[type] = { schema: { type: 'string' } }
      operation.requestBody = { required: route.bodyRequired ?? true, content }
    }
    ;(paths[openApiPath(route.path)] ??= {})[route.method] = operation
  }
  const components = z.toJSONSchema(schemaRegistry, {
    uri: (id) => `#/components/schemas/${id}`,
    unrepresentable: 'any',
  }) as { schemas: Record<string, Record<string, unknown>> }
  for (const schema of Object.values(components.schemas)) delete schema.$schema
  return {
    openapi: '3.1.0',
    info: {
      title: 'Trellis HTTP API',
      version: info.version,
      description:
        'Start, watch and steer Trellis executions. Errors are always `{ "error": { "code", "message" } }`; ' +
        'see docs/http-api.md.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    tags: [
      { name: 'executions', description: 'Start, list, inspect and steer executions.' },
      { name: 'workflows', description: 'Registered workflow definitions.' },
      { name: 'streams', description: 'Server-Sent Events.' },
      { name: 'service', description: 'Health, metrics and this document.' },
    ],
    paths,
    components: {
      schemas: components.schemas,
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'Required when the server was started with a token (--token or TRELLIS_TOKEN).',
        },
      },
      responses: { Error: { description: 'An error', content: { 'application/json': { schema: ref(errorSchema) } } } },
    },
  }
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>
  delete out.$schema
  return out
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): Record<string, unknown>[] {
  if (schema === undefined) return []
  const object = jsonSchema(schema, 'input') as {
    properties?: Record<string, Record<string, unknown>>
    required?: string[]
  }
  return Object.entries(object.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property
    return {
      name,
      in: where,
      required: where === 'path' || (object.required ?? []).includes(name),
      ...(description === undefined ? {} : { description }),
      schema: rest,
    }
  })
}
