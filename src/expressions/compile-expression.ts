import type { ASTNode } from '@marcbachmann/cel-js'
import { UnsignedInt } from '@marcbachmann/cel-js/evaluator'
import { ExpressionError } from './expression-error.js'
import { readField, readIndex, type AccessSite } from './access.js'
import { describeValue, truncate } from './describe-value.js'
import type { Thunk } from './frame.js'
import { FUNCTIONS, METHODS, type Callable } from './functions.js'
import { MACRO_ARITIES, macroThunk } from './macros.js'
import { add, arithmetic, comparisonThunk, isIn, jsonEquals, logicalThunk, negate, not } from './operators.js'
import { hasOwn, isMap } from './plain-data.js'
import { SCOPE_ROOTS, scopeRootIndex } from './scope.js'

/**
 * Turns a cel-js AST into a tree of closures ("thunks") evaluated with JSON semantics. Compiling once per distinct
 * template string is what makes evaluation fast: no parsing, no type dispatch tables, no allocation beyond the values
 * produced. It is also the sandbox: every name is resolved here, against the scope roots, the macro variables and the
 * function tables, so an expression can only read data it was given and call functions listed in functions.ts.
 */

/** A cel-js AST node of one operator. */
type NodeOf<K extends ASTNode['op']> = Extract<ASTNode, { op: K }>

/** Deepest AST the compiler accepts; cel-js limits nesting but not left-leaning chains such as `a + a + … + a`. */
const MAX_NESTING = 500

/** A problem found while compiling: the expression can never be valid. `position` is inside the expression text. */
export class CompileProblem extends Error {
  readonly position: number
  constructor(message: string, position: number) {
    super(message)
    this.position = position
  }
}

/** A compiled expression. */
export interface CompiledExpression {
  readonly run: Thunk
  /** The scope roots the expression reads, as indices into `SCOPE_ROOTS`. */
  readonly roots: ReadonlySet<number>
  /** Frame slots needed: the roots plus one per macro variable. */
  readonly slotCount: number
}

/**
 * Compiles one parsed expression; `text` is the source it was parsed from (for messages).
 *
 * @throws CompileProblem when the expression can never be valid (unknown variable or function, wrong argument
 *   count, bytes literal, `matches()`).
 */
export function compileExpression(ast: ASTNode, text: string): CompiledExpression {
  const compiler = new Compiler(text)
  const run = compiler.compile(ast)
  return { run, roots: compiler.roots, slotCount: compiler.slotCount }
}

const FUNCTION_NAMES = [...FUNCTIONS.keys(), 'has'].join(', ')
const METHOD_NAMES = [...METHODS.keys(), ...MACRO_ARITIES.keys()].join(', ')

class Compiler {
  readonly roots = new Set<number>()
  slotCount: number = SCOPE_ROOTS.length
  private readonly text: string
  /** Macro variables in scope, innermost last. */
  private readonly locals: { readonly name: string; readonly slot: number }[] = []
  private depth = 0

  constructor(text: string) {
    this.text = text
  }

  compile(node: ASTNode): Thunk {
    if (++this.depth > MAX_NESTING) throw new CompileProblem('the expression is nested too deeply', node.start)
    try {
      return this.node(node)
    } finally {
      this.depth--
    }
  }

  private node(node: ASTNode): Thunk {
    switch (node.op) {
      case 'value': {
        const value = this.literal(node)
        return () => value
      }
      case 'id':
        return this.identifier(node.args, node.start)
      case '.':
        return this.field(node)
      case '[]':
        return this.index(node)
      case '.?':
      case '[?]':
        throw new CompileProblem('optional access (".?") is not supported', node.start)
      case 'call':
        return this.call(node)
      case 'rcall':
        return this.method(node)
      case 'list':
        return this.list(node)
      case 'map':
        return this.map(node)
      case '?:':
        return this.conditional(node)
      case '&&':
      case '||':
        return this.logical(node)
      case '!_': {
        const operand = this.compile(node.args)
        const site = this.site(node)
        return (f) => not(operand(f), site)
      }
      case '-_': {
        const operand = this.compile(node.args)
        const site = this.site(node)
        return (f) => negate(operand(f), site)
      }
      case '+': {
        const [left, right, site] = this.binary(node)
        return (f) => add(left(f), right(f), f, site)
      }
      case '-':
      case '*':
      case '/':
      case '%': {
        const op = node.op
        const [left, right, site] = this.binary(node)
        return (f) => arithmetic(op, left(f), right(f), site)
      }
      case '<':
      case '<=':
      case '>':
      case '>=':
        return this.comparison(node)
      case '==': {
        const [left, right] = this.binary(node)
        return (f) => {
          const a = left(f)
          const b = right(f)
          return a === b || jsonEquals(a, b, f)
        }
      }
      case '!=': {
        const [left, right] = this.binary(node)
        return (f) => {
          const a = left(f)
          const b = right(f)
          return a !== b && !jsonEquals(a, b, f)
        }
      }
      case 'in': {
        const [left, right, site] = this.binary(node)
        return (f) => isIn(left(f), right(f), f, site)
      }
    }
  }

  /** Literals become JSON values: every integer literal (CEL parses them as BigInt or uint) is a plain number. */
  private literal(node: NodeOf<'value'>): unknown {
    const value = node.args
    if (typeof value === 'bigint' || value instanceof UnsignedInt) {
      const n = Number(value.valueOf())
      if (!Number.isFinite(n)) throw new CompileProblem('the number is too large', node.start)
      return n
    }
    if (value instanceof Uint8Array) throw new CompileProblem('bytes literals (b"…") are not supported', node.start)
    return value
  }

  private identifier(name: string, position: number): Thunk {
    for (let i = this.locals.length - 1; i >= 0; i--) {
      const local = this.locals[i]!
      if (local.name === name) {
        const slot = local.slot
        return (f) => f.slots[slot]
      }
    }
    const root = scopeRootIndex(name)
    if (root === undefined) {
      throw new CompileProblem(
        `unknown variable "${name}" (an expression starts from ${SCOPE_ROOTS.join(', ')})`,
        position,
      )
    }
    this.roots.add(root)
    return (f) => f.slots[root]
  }

  private field(node: NodeOf<'.'>): Thunk {
    const [containerNode, key] = node.args
    const container = this.compile(containerNode)
    const site = this.accessSite(node, containerNode)
    return (f) => readField(container(f), key, site)
  }

  private index(node: NodeOf<'[]'>): Thunk {
    const [containerNode, keyNode] = node.args
    const container = this.compile(containerNode)
    const key = this.compile(keyNode)
    const site = this.accessSite(node, containerNode)
    return (f) => readIndex(container(f), key(f), site)
  }

  private call(node: NodeOf<'call'>): Thunk {
    const [name, argNodes] = node.args
    if (name === 'has') return this.has(node, argNodes)
    const fn = FUNCTIONS.get(name)
    if (fn === undefined) {
      throw new CompileProblem(`unknown function ${name}() (functions are ${FUNCTION_NAMES})`, node.start)
    }
    this.checkArity(`${name}()`, fn, argNodes.length, node.start)
    const args = argNodes.map((arg) => this.compile(arg))
    const site = this.site(node)
    const impl = fn.impl
    if (args.length === 1) {
      const only = args[0]!
      return (f) => impl([only(f)], f, site)
    }
    return (f) =>
      impl(
        args.map((arg) => arg(f)),
        f,
        site,
      )
  }

  /** `has(a.b)`: whether map `a` has field `b`; false when `a` is null. */
  private has(node: NodeOf<'call'>, argNodes: readonly ASTNode[]): Thunk {
    const selection = argNodes[0]
    if (argNodes.length !== 1 || selection?.op !== '.') {
      throw new CompileProblem('has() needs one field selection, like has(inputs.name)', node.start)
    }
    const [containerNode, key] = selection.args
    const container = this.compile(containerNode)
    const site = this.accessSite(selection, containerNode)
    return (f) => {
      const value = container(f)
      if (isMap(value)) return hasOwn(value, key)
      if (value === null) return false
      throw new ExpressionError(`has() needs a map, but ${site.container} is ${describeValue(value)}`, {
        path: site.path,
      })
    }
  }

  private method(node: NodeOf<'rcall'>): Thunk {
    const [name, receiverNode, argNodes] = node.args
    const macroArities = MACRO_ARITIES.get(name)
    if (macroArities?.includes(argNodes.length) === true) return this.macro(node)
    if (name === 'matches') {
      // JavaScript regular expressions can backtrack exponentially: `(a+)+$` against 30 `a`s and a `!` would hang
      // the worker, and the subject is often data from outside. contains/startsWith/endsWith cover the safe cases.
      throw new CompileProblem(
        'matches() is not supported (a regular expression can take exponential time); use contains(), startsWith() or endsWith()',
        node.start,
      )
    }
    const method = METHODS.get(name)
    if (method === undefined) {
      throw new CompileProblem(`unknown method .${name}() (methods are ${METHOD_NAMES})`, node.start)
    }
    this.checkArity(`${name}()`, method, argNodes.length, node.start)
    const receiver = this.compile(receiverNode)
    const args = argNodes.map((arg) => this.compile(arg))
    const site = this.site(node)
    const impl = method.impl
    return (f) =>
      impl(
        receiver(f),
        args.map((arg) => arg(f)),
        f,
        site,
      )
  }

  private macro(node: NodeOf<'rcall'>): Thunk {
    const [name, rangeNode, argNodes] = node.args
    const variable = argNodes[0]!
    // cel-js already refuses anything but a plain name here; checked again because the compiler relies on it.
    if (variable.op !== 'id') throw new CompileProblem(`${name}() needs a variable name first`, variable.start)
    const range = this.compile(rangeNode)
    const slot = this.locals.length + SCOPE_ROOTS.length
    this.slotCount = Math.max(this.slotCount, slot + 1)
    this.locals.push({ name: variable.args, slot })
    let bodies: Thunk[]
    try {
      bodies = argNodes.slice(1).map((arg) => this.compile(arg))
    } finally {
      this.locals.pop()
    }
    return macroThunk({ name, range, slot, bodies, site: this.site(node) })
  }

  private list(node: NodeOf<'list'>): Thunk {
    const items = node.args.map((item) => this.compile(item))
    return (f) => {
      const out = new Array<unknown>(items.length)
      for (let i = 0; i < items.length; i++) out[i] = items[i]!(f)
      return out
    }
  }

  private map(node: NodeOf<'map'>): Thunk {
    const entries = node.args.map(([keyNode, valueNode]) => {
      if (keyNode.op === 'value' && typeof keyNode.args !== 'string') {
        throw new CompileProblem('map keys must be strings', keyNode.start)
      }
      return [this.compile(keyNode), this.compile(valueNode)] as const
    })
    const site = this.site(node)
    return (f) => {
      const out: Record<string, unknown> = {}
      for (const [key, value] of entries) {
        const k = key(f)
        if (typeof k !== 'string') {
          throw new ExpressionError(`map keys must be strings, got ${describeValue(k)} (in ${site})`)
        }
        if (hasOwn(out, k)) throw new ExpressionError(`the map has the key ${JSON.stringify(k)} twice (in ${site})`)
        const v = value(f)
        // `out["__proto__"] = v` would set the prototype; defining the property makes it plain data like any key.
        if (k === '__proto__') {
          Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true })
        } else {
          out[k] = v
        }
      }
      return out
    }
  }

  private conditional(node: NodeOf<'?:'>): Thunk {
    const [conditionNode, thenNode, elseNode] = node.args
    const condition = this.compile(conditionNode)
    const then = this.compile(thenNode)
    const otherwise = this.compile(elseNode)
    const site = this.site(node)
    return (f) => {
      const c = condition(f)
      if (c === true) return then(f)
      if (c === false) return otherwise(f)
      throw new ExpressionError(`the condition of "?:" must be a boolean, got ${describeValue(c)} (in ${site})`)
    }
  }

  private logical(node: NodeOf<'&&' | '||'>): Thunk {
    const [left, right, site] = this.binary(node)
    return logicalThunk(node.op, left, right, site)
  }

  private comparison(node: NodeOf<'<' | '<=' | '>' | '>='>): Thunk {
    const [left, right, site] = this.binary(node)
    return comparisonThunk(node.op, left, right, site)
  }

  private binary(node: { readonly args: readonly [ASTNode, ASTNode]; readonly start: number; readonly end: number }) {
    return [this.compile(node.args[0]), this.compile(node.args[1]), this.site(node)] as const
  }

  private checkArity(name: string, callable: Callable<unknown>, count: number, position: number): void {
    if (callable.arities.includes(count)) return
    const expected = callable.arities.map(String).join(' or ')
    const noun = callable.arities.length === 1 && callable.arities[0] === 1 ? 'argument' : 'arguments'
    throw new CompileProblem(`${name} takes ${expected} ${noun}, got ${count}`, position)
  }

  /** The expression text of a node, for messages. */
  private site(node: { readonly start: number; readonly end: number }): string {
    return truncate(this.text.slice(node.start, node.end).trim())
  }

  private accessSite(node: ASTNode, containerNode: ASTNode): AccessSite {
    return { path: this.pathText(node), container: this.pathText(containerNode) }
  }

  /** A member/index chain as written (`steps["my-step"].output.x`); other expressions as their source text. */
  private pathText(node: ASTNode): string {
    if (node.op === 'id') return node.args
    if (node.op === '.') return `${this.pathText(node.args[0])}.${node.args[1]}`
    if (node.op === '[]') {
      const key = node.args[1]
      let keyText = this.text.slice(key.start, key.end).trim()
      if (key.op === 'value' && typeof key.args === 'string') keyText = JSON.stringify(key.args)
      else if (key.op === 'value' && typeof key.args === 'bigint') keyText = String(key.args)
      return `${this.pathText(node.args[0])}[${keyText}]`
    }
    return this.text.slice(node.start, node.end).trim()
  }
}
