import type { JsonValue } from '../util/index.js'
import { ExpressionError } from './expression-error.js'
import { describeValue } from './describe-value.js'
import type { TemplateScope } from './scope.js'
import { compiledTemplate } from './template-compile.js'

/**
 * Renders one string. A string that is exactly one `{{ expr }}` gives the expression's value with its type (number,
 * boolean, map, list, null); otherwise every `{{ expr }}` is replaced by its value as text (null as empty text, maps
 * and lists as compact JSON, numbers as JavaScript prints them). A string without `{{` is returned as it is.
 * `{{ '{{' }}` writes a literal `{{`. Each distinct string is compiled once and cached.
 *
 * The value is plain JSON data. It may share parts with the scope (`{{ inputs.items }}` is the same array), so treat
 * both as immutable.
 *
 * @throws ExpressionError for a syntax error (with `offset`), a missing field (with `path`), a root that is not in
 *   scope, a type error, or scope data that is not JSON.
 */
export function renderString(source: string, scope: TemplateScope): unknown {
  if (!source.includes('{{')) return source
  return compiledTemplate(source).render(scope)
}

/** Deepest template value {@link renderValue} walks (definition files never come close). */
const MAX_VALUE_DEPTH = 1_000

/**
 * Renders a template value recursively: every string in it is rendered with {@link renderString}; map keys are not
 * templated. Returns a new value and never changes `value`.
 *
 * @throws ExpressionError as {@link renderString} does, and when `value` is nested more than 1,000 levels deep.
 */
export function renderValue(value: JsonValue, scope: TemplateScope): unknown {
  return renderAt(value, scope, 0)
}

function renderAt(value: JsonValue, scope: TemplateScope, depth: number): unknown {
  if (typeof value === 'string') return renderString(value, scope)
  if (typeof value !== 'object' || value === null) return value
  if (depth >= MAX_VALUE_DEPTH) {
    throw new ExpressionError(`the value to render is nested more than ${MAX_VALUE_DEPTH} levels deep`)
  }
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length)
    for (let i = 0; i < value.length; i++) out[i] = renderAt(value[i]!, scope, depth + 1)
    return out
  }
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value)) {
    const rendered = renderAt(value[key]!, scope, depth + 1)
    // A `__proto__` key is data; plain assignment would set the prototype instead.
    if (key === '__proto__') {
      Object.defineProperty(out, key, { value: rendered, enumerable: true, writable: true, configurable: true })
    } else {
      out[key] = rendered
    }
  }
  return out
}

/**
 * Evaluates a `when` condition: renders `source` and requires a boolean.
 *
 * @throws ExpressionError as {@link renderString} does, and when the value is not a boolean
 *   ("`when` must give a boolean, got number 3").
 */
export function evaluateCondition(source: string, scope: TemplateScope): boolean {
  const value = renderString(source, scope)
  if (typeof value === 'boolean') return value
  throw new ExpressionError(`\`when\` must give a boolean, got ${describeValue(value)}`)
}
