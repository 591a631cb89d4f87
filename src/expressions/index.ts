/**
 * expressions: `{{ expr }}` templates and the expression language (workflow-format.md, "Templates and
 * expressions"). Owns splitting template strings, parsing expressions (CEL syntax, parsed by
 * `@marcbachmann/cel-js`), evaluating them with JSON semantics (every number a JavaScript number, `"n=" + 3` is
 * `"n=3"`), rendering values, compile-once caching, and `ExpressionError` with the path that was missing.
 *
 * The sandbox lives here too: expressions read only the scope they are given, as plain JSON, through own
 * properties, and call only the functions listed in functions.ts. See compile-expression.ts.
 *
 * Imports only `../util/index.js` and `@marcbachmann/cel-js`; this file is the only entry point for other modules.
 */
export { ExpressionError, type ExpressionErrorOptions, type TemplateProblem } from './expression-error.js'
export { SCOPE_ROOTS, type ScopeRoot, type TemplateScope } from './scope.js'
export { renderString, renderValue, evaluateCondition } from './render.js'
export { checkTemplate, hasTemplate } from './template-check.js'
export { templateReferences } from './references.js'
export { WORK_LIMIT, MAX_STRING_LENGTH } from './frame.js'
