import type { TemplateProblem } from './expression-error.js'

/**
 * Splits a template string into text and `{{ expr }}` parts. An expression ends at the first `}}` that is outside
 * string literals and outside `{ }` map literals, so `{{ '}}' }}` and `{{ {"a": {"b": 1}} }}` work, and
 * `{{ '{{' }}` is simply an expression whose value is the text `{{`. A `}}` in plain text is plain text (a shell
 * command with Go templates writes `{{ '{{' }} .Name }}`).
 */

/** One piece of a template string. */
export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | {
      readonly kind: 'expression'
      /** The text between `{{` and `}}`, unchanged (so parser positions map back by adding `start`). */
      readonly text: string
      /** Offset of `text` in the template string. */
      readonly start: number
    }

/** A template string taken apart. When `problems` is not empty the parts are incomplete. */
export interface SplitTemplate {
  readonly parts: readonly TemplatePart[]
  readonly problems: readonly TemplateProblem[]
}

/** Splits `source` into parts; finds unclosed `{{`, unterminated strings and empty expressions. */
export function splitTemplate(source: string): SplitTemplate {
  const parts: TemplatePart[] = []
  const problems: TemplateProblem[] = []
  let textStart = 0
  for (;;) {
    const open = source.indexOf('{{', textStart)
    if (open < 0) break
    if (open > textStart) parts.push({ kind: 'text', text: source.slice(textStart, open) })
    const start = open + 2
    const end = findClose(source, start)
    if (typeof end !== 'number') {
      problems.push(end)
      return { parts, problems }
    }
    const text = source.slice(start, end)
    if (text.trim() === '') problems.push({ message: 'empty expression in "{{ }}"', offset: open })
    else parts.push({ kind: 'expression', text, start })
    textStart = end + 2
  }
  if (textStart < source.length) parts.push({ kind: 'text', text: source.slice(textStart) })
  return { parts, problems }
}

/** The offset of the `}}` that closes an expression starting at `start`, or the problem that prevents one. */
function findClose(source: string, start: number): number | TemplateProblem {
  let depth = 0
  let i = start
  while (i < source.length) {
    const c = source[i]
    if (c === '"' || c === "'") {
      const after = skipString(source, i, c)
      if (after < 0) return { message: 'unterminated string in an expression', offset: i }
      i = after
    } else if (c === '/' && source[i + 1] === '/') {
      // A CEL comment runs to the end of the line, but never past the `}}` that closes the template.
      while (i < source.length && source[i] !== '\n' && !(source[i] === '}' && source[i + 1] === '}')) i++
    } else if (c === '{') {
      depth++
      i++
    } else if (c === '}') {
      if (depth === 0 && source[i + 1] === '}') return i
      if (depth > 0) depth--
      i++
    } else {
      i++
    }
  }
  return { message: 'unclosed "{{" (no matching "}}")', offset: start - 2 }
}

/**
 * The offset just past the string literal opening at `i` (quote `q`), or -1 when it does not end. Mirrors cel-js's
 * lexer: a backslash always skips the next character (raw strings too), a single-quoted string ends at a line break
 * (cel-js then reports the broken string), a triple-quoted one may span lines.
 */
function skipString(source: string, i: number, q: string): number {
  const triple = source[i + 1] === q && source[i + 2] === q
  let j = i + (triple ? 3 : 1)
  while (j < source.length) {
    const c = source[j]
    if (c === '\\') {
      j += 2
    } else if (c === q && (!triple || (source[j + 1] === q && source[j + 2] === q))) {
      return j + (triple ? 3 : 1)
    } else if (!triple && (c === '\n' || c === '\r')) {
      return j
    } else {
      j++
    }
  }
  return -1
}
