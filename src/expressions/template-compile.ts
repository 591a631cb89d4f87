import { ExpressionError, type TemplateProblem } from './expression-error.js'
import { parseExpression } from './cel-parse.js'
import { CompileProblem, compileExpression } from './compile-expression.js'
import { truncate } from './describe-value.js'
import { checkStringLength, newFrame, type Thunk } from './frame.js'
import { assertPlainData, isRememberedData } from './plain-data.js'
import { checkJsonSize } from './json-size.js'
import { notAvailableMessage, SCOPE_ROOTS, type TemplateScope } from './scope.js'
import { splitTemplate } from './template-parse.js'
import { toText } from './text.js'

/** A compiled piece of a template string: literal text, or an expression with its text for messages. */
type CompiledPart = string | CompiledExpressionPart

interface CompiledExpressionPart {
  readonly run: Thunk
  readonly site: string
}

/**
 * A template string compiled once: its problems (syntax errors and the like) or its parts, ready to render against
 * any scope. Immutable, so one instance serves every render of the same string.
 */
export class CompiledTemplate {
  /** Problems found without evaluating; empty when the template is valid. */
  readonly problems: readonly TemplateProblem[]
  private readonly source: string
  private readonly parts: readonly CompiledPart[]
  /** The one expression when the string is exactly `{{ expr }}` (its value keeps its type), else null. */
  private readonly single: CompiledExpressionPart | null
  private readonly roots: readonly number[]
  private readonly slotCount: number

  constructor(source: string) {
    this.source = source
    const split = splitTemplate(source)
    const problems: TemplateProblem[] = [...split.problems]
    const parts: CompiledPart[] = []
    const roots = new Set<number>()
    let slotCount = 0
    for (const part of split.parts) {
      if (part.kind === 'text') {
        parts.push(part.text)
        continue
      }
      const where = `in {{ ${truncate(part.text.trim())} }}`
      const parsed = parseExpression(part.text)
      if (!parsed.ok) {
        problems.push({ message: `${parsed.message} ${where}`, offset: clamp(part.start + parsed.position, source) })
        continue
      }
      try {
        const compiled = compileExpression(parsed.ast, part.text)
        for (const root of compiled.roots) roots.add(root)
        slotCount = Math.max(slotCount, compiled.slotCount)
        parts.push({ run: compiled.run, site: truncate(part.text.trim()) })
      } catch (error) {
        if (!(error instanceof CompileProblem)) throw error
        problems.push({ message: `${error.message} ${where}`, offset: clamp(part.start + error.position, source) })
      }
    }
    this.problems = problems
    this.parts = parts
    const only = parts.length === 1 ? parts[0] : undefined
    // Exactly one `{{ expr }}` and nothing around it, not even a space: the spec's "keeps the value's type".
    this.single = typeof only === 'object' && source.startsWith('{{') && source.endsWith('}}') ? only : null
    this.roots = [...roots].sort((a, b) => a - b)
    this.slotCount = slotCount
  }

  /**
   * Renders against `scope`: the value of a lone `{{ expr }}`, otherwise the text.
   *
   * @throws ExpressionError for the first problem of an invalid template, a root not in scope, scope data that is
   *   not JSON, or any error while evaluating.
   */
  render(scope: TemplateScope): unknown {
    const problem = this.problems[0]
    if (problem !== undefined) throw new ExpressionError(problem.message, { offset: problem.offset })
    const frame = newFrame(this.slotCount)
    for (const root of this.roots) frame.slots[root] = rootValue(scope, root)
    if (this.single !== null) {
      const value = this.single.run(frame)
      // The engine stores results as JSON; a value built from repeated references could be far too big for that.
      // Large scope data passed through unchanged (`{{ inputs.items }}`) was checked when it entered the scope.
      if (typeof value === 'object' && value !== null && !isRememberedData(value)) {
        checkJsonSize(value, frame, this.single.site)
      }
      return value
    }
    if (this.parts.length === 0) return this.source
    let out = ''
    for (const part of this.parts) {
      const text = typeof part === 'string' ? part : toText(part.run(frame), frame, part.site)
      checkStringLength(out.length + text.length, 'the rendered template')
      out += text
    }
    return out
  }
}

function clamp(offset: number, source: string): number {
  return Math.min(Math.max(0, offset), source.length)
}

/** A scope root's value, checked: present and plain JSON. */
function rootValue(scope: TemplateScope, index: number): unknown {
  const name = SCOPE_ROOTS[index]!
  const value = scope[name]
  if (value === undefined) throw new ExpressionError(notAvailableMessage(name), { path: name })
  assertPlainData(value, name)
  return value
}

/**
 * Compiled templates by source string. Two generations of at most CACHE_GENERATION entries each: a hit costs one Map
 * lookup (no LRU bookkeeping on the hot path), a full generation becomes the old one, and strings still in use move
 * back into the new one on their next render. At most 2 × CACHE_GENERATION templates stay in memory.
 */
const CACHE_GENERATION = 5_000
let current = new Map<string, CompiledTemplate>()
let previous = new Map<string, CompiledTemplate>()

/** The compiled form of a template string, compiled on first use and cached. */
export function compiledTemplate(source: string): CompiledTemplate {
  let template = current.get(source)
  if (template !== undefined) return template
  template = previous.get(source) ?? new CompiledTemplate(source)
  if (current.size >= CACHE_GENERATION) {
    previous = current
    current = new Map()
  }
  current.set(source, template)
  return template
}
