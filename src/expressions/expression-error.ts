import { TrellisError } from '../util/index.js'

/** Where an {@link ExpressionError} points; both parts are optional. */
export interface ExpressionErrorOptions {
  /** For a missing field or index: the path as written (`inputs.amount`, `steps["my-step"].output.x`). */
  readonly path?: string | null
  /** For a problem found without evaluating (a syntax error): the 0-based character offset in the template string. */
  readonly offset?: number | null
}

/**
 * A template or expression that cannot be rendered: a syntax error, a missing field, a root that is not in scope,
 * a type error (`"a" - 1`), a `when` that does not give a boolean. Code `EXPRESSION_ERROR`; the engine fails the
 * step at once without retrying (workflow-format.md, "Templates and expressions").
 */
export class ExpressionError extends TrellisError {
  readonly code = 'EXPRESSION_ERROR'
  /** For a missing field or index: the path as written, e.g. `inputs.amount` or `steps["my-step"].output.x`. */
  readonly path: string | null
  /**
   * For a problem found without evaluating (syntax errors, unknown variables or functions): the 0-based character
   * offset inside the template string, so callers can map it to line:column. `null` for errors found while evaluating.
   */
  readonly offset: number | null

  constructor(message: string, options: ExpressionErrorOptions = {}) {
    super(message)
    this.path = options.path ?? null
    this.offset = options.offset ?? null
  }
}

/** A problem found without evaluating: syntax errors and the like. `offset` is inside the template string. */
export interface TemplateProblem {
  readonly message: string
  readonly offset: number
}
