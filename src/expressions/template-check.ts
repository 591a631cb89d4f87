import type { TemplateProblem } from './expression-error.js'
import { compiledTemplate } from './template-compile.js'

/**
 * True when `source` contains `{{`, that is, when rendering would treat it as a template (a broken one included:
 * `checkTemplate` reports those).
 */
export function hasTemplate(source: string): boolean {
  return source.includes('{{')
}

/**
 * The problems found in a template string without evaluating it: an unclosed `{{`, an empty `{{ }}`, CEL syntax
 * errors, unknown variables and functions, wrong argument counts. `[]` when it is fine (or has no template). Each
 * problem's `offset` is inside `source`. The compiled template is cached, so rendering it later does not parse again.
 */
export function checkTemplate(source: string): TemplateProblem[] {
  if (!hasTemplate(source)) return []
  return [...compiledTemplate(source).problems]
}
