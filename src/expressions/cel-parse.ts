import { Environment, ParseError, type ASTNode } from '@marcbachmann/cel-js'

/**
 * The CEL parser. cel-js does the lexing and parsing (CEL's grammar, string escapes, macro syntax, structural
 * limits); the compiler in compile-expression.ts evaluates the resulting AST itself, with JSON semantics. The AST
 * shape (`op`, `args`, `start`, `end`) is cel-js's typed public contract (`ASTNode` in its index.d.ts).
 */

/** Most AST nodes one expression may have; far beyond any real template, small enough to parse in milliseconds. */
const MAX_AST_NODES = 20_000

// Created once: building an Environment is the expensive part of cel-js. Optional types (`.?`) stay off.
const parser = new Environment({ limits: { maxAstNodes: MAX_AST_NODES } })

/** The outcome of parsing one expression; `position` is inside the expression text. */
export type ParseOutcome =
  | { readonly ok: true; readonly ast: ASTNode }
  | { readonly ok: false; readonly message: string; readonly position: number }

/** Parses the text between `{{` and `}}`. Never throws for bad input: a syntax error is an outcome. */
export function parseExpression(text: string): ParseOutcome {
  try {
    return { ok: true, ast: parser.parse(text).ast }
  } catch (error) {
    if (error instanceof ParseError) {
      return { ok: false, message: parseErrorMessage(error), position: error.range?.start ?? 0 }
    }
    // cel-js parses `!`/`-` prefixes recursively without a depth limit, so thousands in a row overflow the stack.
    if (error instanceof RangeError) return { ok: false, message: 'the expression is nested too deeply', position: 0 }
    throw error
  }
}

const TOKEN_TEXT: Readonly<Record<string, string>> = {
  EOF: 'the end of the expression',
  NUMBER: 'a number',
  STRING: 'a string',
  BYTES: 'a bytes literal',
  BOOLEAN: 'a boolean',
  NULL: 'null',
  IDENTIFIER: 'a name',
  PLUS: '"+"',
  MINUS: '"-"',
  MULTIPLY: '"*"',
  DIVIDE: '"/"',
  MODULO: '"%"',
  EQ: '"=="',
  NE: '"!="',
  LT: '"<"',
  LE: '"<="',
  GT: '">"',
  GE: '">="',
  AND: '"&&"',
  OR: '"||"',
  NOT: '"!"',
  IN: '"in"',
  LPAREN: '"("',
  RPAREN: '")"',
  LBRACKET: '"["',
  RBRACKET: '"]"',
  LBRACE: '"{"',
  RBRACE: '"}"',
  DOT: '"."',
  COMMA: '","',
  COLON: '":"',
  QUESTION: '"?"',
}

function tokenText(name: string): string {
  return Object.hasOwn(TOKEN_TEXT, name) ? TOKEN_TEXT[name]! : name
}

const LIMIT_TEXT: Readonly<Record<string, string>> = {
  maxAstNodes: 'the expression is too long',
  maxDepth: 'the expression is nested too deeply',
  maxListElements: 'a list literal has too many elements',
  maxMapEntries: 'a map literal has too many entries',
  maxCallArguments: 'a function call has too many arguments',
}

/** cel-js's summary in the project's voice: one lower-case phrase, token names spelled as the user wrote them. */
function parseErrorMessage(error: ParseError): string {
  const summary = error.summary
  let match: RegExpMatchArray | null
  if ((match = /^Unexpected token: (\w+)$/.exec(summary)) !== null) {
    return match[1] === 'EOF' ? 'the expression ends too early' : `unexpected ${tokenText(match[1]!)}`
  }
  if ((match = /^Expected (\w+), got (\w+)$/.exec(summary)) !== null) {
    return `expected ${tokenText(match[1]!)} but found ${tokenText(match[2]!)}`
  }
  if ((match = /^Unexpected character: '?(.*?)'?$/.exec(summary)) !== null) {
    return `unexpected character ${JSON.stringify(match[1])}`
  }
  if ((match = /^Reserved identifier: (.*)$/.exec(summary)) !== null) {
    return `"${match[1]!}" is a reserved word`
  }
  if ((match = /^Exceeded (\w+) \((\d+)\)$/.exec(summary)) !== null) {
    const what = Object.hasOwn(LIMIT_TEXT, match[1]!) ? LIMIT_TEXT[match[1]!]! : 'the expression is too large'
    return `${what} (the limit is ${match[2]!})`
  }
  return summary.length > 0 ? summary[0]!.toLowerCase() + summary.slice(1) : 'syntax error'
}
