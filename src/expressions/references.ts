import type { ASTNode } from '@marcbachmann/cel-js'
import { parseExpression } from './cel-parse.js'
import { MACRO_ARITIES } from './macros.js'
import { splitTemplate } from './template-parse.js'

/** Deepest expression the walk follows; a deeper one is skipped (it cannot compile either). */
const MAX_NESTING = 500

/**
 * Every variable path the template's expressions read, as segments: `steps["my-step"].output.x` gives
 * `['steps', 'my-step', 'output', 'x']`, and `inputs.a + vars.b` gives `[['inputs', 'a'], ['vars', 'b']]`. Only the
 * static prefix of a member/index chain with literal keys counts: `inputs.list[inputs.i].name` gives
 * `['inputs', 'list']` and `['inputs', 'i']`. Macro variables (`x` in `l.map(x, x.a)`) and function names are not
 * variables. Each path is listed once, in order of first appearance. Throws nothing: an expression that does not
 * parse contributes nothing, so unparseable input gives `[]`.
 */
export function templateReferences(source: string): string[][] {
  if (!source.includes('{{')) return []
  const found = new Map<string, string[]>()
  const add = (path: string[]): void => {
    const key = path.join('\u0000')
    if (!found.has(key)) found.set(key, path)
  }
  for (const part of splitTemplate(source).parts) {
    if (part.kind !== 'expression') continue
    const parsed = parseExpression(part.text)
    if (!parsed.ok) continue
    const paths: string[][] = []
    if (collect(parsed.ast, [], paths, 0)) for (const path of paths) add(path)
  }
  return [...found.values()]
}

/** Adds the paths `node` reads to `out`; false when the expression is too deeply nested to walk. */
function collect(node: ASTNode, bound: readonly string[], out: string[][], depth: number): boolean {
  if (depth > MAX_NESTING) return false
  const visit = (child: ASTNode, names: readonly string[] = bound): boolean => collect(child, names, out, depth + 1)
  switch (node.op) {
    case 'value':
      return true
    case 'id':
      if (!bound.includes(node.args)) out.push([node.args])
      return true
    case '.':
    case '[]':
      return chain(node, bound, out, visit)
    case '.?':
    case '[?]':
      return visit(node.args[0]) && (typeof node.args[1] === 'string' || visit(node.args[1]))
    case 'call':
      return node.args[1].every((arg) => visit(arg))
    case 'rcall': {
      const [name, receiver, args] = node.args
      const variable = args[0]
      if (MACRO_ARITIES.get(name)?.includes(args.length) === true && variable?.op === 'id') {
        const names = [...bound, variable.args]
        return visit(receiver) && args.slice(1).every((arg) => visit(arg, names))
      }
      return visit(receiver) && args.every((arg) => visit(arg))
    }
    case 'list':
      return node.args.every((item) => visit(item))
    case 'map':
      return node.args.every(([key, value]) => visit(key) && visit(value))
    case '?:':
      return node.args.every((arg) => visit(arg))
    case '!_':
    case '-_':
      return visit(node.args)
    case '&&':
    case '||':
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
    case '<':
    case '<=':
    case '>':
    case '>=':
    case '==':
    case '!=':
    case 'in':
      return visit(node.args[0]) && visit(node.args[1])
  }
}

/** A member/index chain: its static prefix is one path; dynamic keys are expressions of their own. */
function chain(node: ASTNode, bound: readonly string[], out: string[][], visit: (child: ASTNode) => boolean): boolean {
  let segments: string[] = []
  const dynamicKeys: ASTNode[] = []
  let current = node
  for (;;) {
    if (current.op === '.') {
      segments.push(current.args[1])
      current = current.args[0]
    } else if (current.op === '[]') {
      const key = current.args[1]
      if (key.op === 'value' && (typeof key.args === 'string' || typeof key.args === 'bigint')) {
        segments.push(String(key.args))
      } else {
        // Everything after a dynamic key is not a static path; the key itself may read variables.
        dynamicKeys.push(key)
        segments = []
      }
      current = current.args[0]
    } else {
      break
    }
  }
  if (current.op === 'id') {
    if (!bound.includes(current.args)) out.push([current.args, ...segments.reverse()])
  } else if (!visit(current)) {
    return false
  }
  // Innermost key first: the order they are written in.
  return dynamicKeys.reverse().every((key) => visit(key))
}
