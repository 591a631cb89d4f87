import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { Problem } from '../definition/index.js'
import { TrellisError, type ErrorCode, type Logger } from '../util/index.js'
import type { ApiErrorBody, ApiErrorCode, ApiFieldIssue, ApiProblem } from './api-types.js'

/**
 * The HTTP status of every error code, in one place: a new code (in the engine's `ErrorCode` or the API's own)
 * does not compile until it is mapped here.
 */
export const STATUS_BY_CODE = {
  BAD_REQUEST: 400,
  INVALID_OPTION: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  INVALID_STATE: 409,
  CONFLICT: 409,
  LEASE_LOST: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INVALID_DEFINITION: 422,
  INVALID_INPUT: 422,
  EXPRESSION_ERROR: 422,
  ACTION_FAILED: 500,
  INVALID_OUTPUT: 500,
  OUTPUT_ERROR: 500,
  INTERNAL: 500,
  // The engine's CANCELLED comes from a closed engine: this server is shutting down.
  CANCELLED: 503,
  SCHEMA_TOO_NEW: 503,
  STORE_UNAVAILABLE: 503,
  UNAVAILABLE: 503,
  TIMEOUT: 504,
} as const satisfies Record<ApiErrorCode, ContentfulStatusCode>

// Every engine code is an API code (so STATUS_BY_CODE maps it too).
type EngineCodesAreApiCodes = ErrorCode extends ApiErrorCode ? true : never
const engineCodesAreApiCodes: EngineCodesAreApiCodes = true
void engineCodesAreApiCodes

/** An error the HTTP layer answers with on purpose: a stable code, a sentence, and details for some codes. */
export class HttpError extends Error {
  readonly code: ApiErrorCode
  readonly issues: readonly ApiFieldIssue[] | undefined
  readonly problems: readonly ApiProblem[] | undefined

  constructor(
    code: ApiErrorCode,
    message: string,
    details: { issues?: readonly ApiFieldIssue[]; problems?: readonly ApiProblem[] } = {},
  ) {
    super(message)
    this.name = 'HttpError'
    this.code = code
    this.issues = details.issues
    this.problems = details.problems
  }
}

/** The one error body: `{ error: { code, message } }`, with `problems` or `issues` when there are some. */
export function errorBody(
  code: ApiErrorCode,
  message: string,
  details: { issues?: readonly ApiFieldIssue[] | undefined; problems?: readonly ApiProblem[] | undefined } = {},
): ApiErrorBody {
  return {
    error: {
      code,
      message,
      ...(details.problems === undefined ? {} : { problems: details.problems }),
      ...(details.issues === undefined ? {} : { issues: details.issues }),
    },
  }
}

/** An error answer for a code, with its status from {@link STATUS_BY_CODE}. */
export function errorResponse(c: Context, code: ApiErrorCode, message: string): Response {
  return c.json(errorBody(code, message), STATUS_BY_CODE[code])
}

/** Definition problems in the API's spelling: line and column flattened, null when unknown. */
export function toApiProblems(problems: readonly Problem[]): ApiProblem[] {
  return problems.map((p) => ({
    path: p.path,
    message: p.message,
    line: p.loc?.line ?? null,
    column: p.loc?.column ?? null,
  }))
}

/**
 * Turns anything a route threw into the one error shape. Trellis errors keep their code and message (they are
 * written for users); anything else is a bug or an outage: logged with the request, answered with a sentence
 * that gives nothing away.
 */
export function handleError(err: unknown, c: Context, logger: Logger): Response {
  if (err instanceof HttpError) {
    return c.json(errorBody(err.code, err.message, err), STATUS_BY_CODE[err.code])
  }
  if (err instanceof TrellisError) {
    const problems = 'problems' in err ? toApiProblems(err.problems as readonly Problem[]) : undefined
    const status = STATUS_BY_CODE[err.code]
    if (status >= 500) logger.warn({ err, method: c.req.method, path: c.req.path }, 'request failed')
    return c.json(errorBody(err.code, err.message, { problems }), status)
  }
  logger.error({ err, method: c.req.method, path: c.req.path }, 'unhandled error')
  return c.json(errorBody('INTERNAL', 'Internal error; the server log has details.'), 500)
}
