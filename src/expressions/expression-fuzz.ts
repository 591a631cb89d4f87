import { ExpressionError } from './expression-error.js'
import { isList, isMap } from './plain-data.js'
import { renderString } from './render.js'
import { templateReferences } from './references.js'
import type { TemplateScope } from './scope.js'
import { checkTemplate } from './template-check.js'

/**
 * Random and mutated templates for fuzzing the expression module (fuzz.test.ts runs a few thousand,
 * `npx tsx scripts/fuzz-expressions.ts N` as many as asked). Cases come from a grammar of CEL tokens, from token
 * soup, and from byte-level mutations of valid templates. Deterministic: case `i` of seed `s` is always the same.
 */

/** A seeded pseudo-random generator (mulberry32): numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

type Random = () => number

function pick<T>(random: Random, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)]!
}

function int(random: Random, max: number): number {
  return Math.floor(random() * max)
}

/** The scope every fuzz case renders against: a bit of everything, hostile keys included. */
export const FUZZ_SCOPE: TemplateScope = {
  inputs: JSON.parse(`{
    "amount": 5, "price": 5.5, "zero": 0, "neg": -3, "big": 1e300, "name": "Ann", "empty": "", "emoji": "a😀b",
    "items": [1, 2.5, "x", null, true, [1], {"k": 1}], "nums": [3, 1, 2], "words": ["a", "b"], "none": null,
    "flag": true, "map": {"a": 1, "b": {"c": [1, 2]}, "my-key": "v"}, "__proto__": {"x": 1},
    "constructor": {"prototype": 1}, "toString": "s"
  }`) as unknown,
  vars: { total: 0, list: [], obj: {} },
  steps: {
    a: { output: { x: 1, y: [1, 2] }, status: 'completed', error: null },
    'my-step': { output: null, status: 'skipped', error: { code: 'X', message: 'm' } },
  },
  execution: { id: 'e-1', workflow: 'fuzz' },
  item: { sku: 'A', qty: 2 },
  index: 0,
  attempt: 1,
}

const IDENTIFIERS = [
  ...['inputs', 'vars', 'steps', 'execution', 'item', 'index', 'attempt', 'result', 'x', 'y', 'foo'],
  ...['constructor', 'process', 'globalThis', 'this', 'cel', 'int', 'size', 'has', 'in', 'null', 'true'],
]
const FIELDS = [
  ...['amount', 'price', 'name', 'items', 'map', 'a', 'b', 'c', 'output', 'x', 'y', 'status', 'error', 'id', 'nope'],
  ...['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'length', 'sku', 'qty', 'k', 'workflow'],
]
const FUNCTIONS = ['size', 'string', 'int', 'double', 'bool', 'dyn', 'has', 'type', 'timestamp', 'nope', 'matches']
const METHODS = [
  ...['size', 'contains', 'startsWith', 'endsWith', 'lowerAscii', 'upperAscii', 'trim', 'split', 'join'],
  ...['indexOf', 'lastIndexOf', 'substring', 'replace', 'matches', 'toString', 'bind', 'constructor'],
]
const MACROS = ['all', 'exists', 'exists_one', 'map', 'filter']
const BINARY = ['+', '-', '*', '/', '%', '==', '!=', '<', '<=', '>', '>=', '&&', '||', 'in']
const LITERALS = [
  ...['0', '1', '-1', '2.5', '1e3', '1e308', '0x1F', '1u', '9007199254740993', '"a"', "'b'", '""'],
  ...['"\\n"', "'\\u00e9'", '"😀"', 'r"\\d"', "'''x'''", 'true', 'false', 'null', '[]', '{}', '"{{"', "'}}'"],
]
const TOKENS = [
  ...BINARY,
  ...LITERALS,
  ...['b"x"', '3.', '.5'],
  ...IDENTIFIERS,
  ...['(', ')', '[', ']', '{', '}', '.', ',', ':', '?', '!', '-', '.?', '//', '"', "'", '\\', '{{', '}}', '=', '&'],
  ...['|', '$', '#', '@', '`', ';', '\u0000', '\n', 'é', '😀'],
]
const NOISE = '{}[]()"\'\\.,:?!<>=+-*/%&|$#@ \n\t\u0000é😀ab01_'

/** A random expression from the grammar; mostly valid, sometimes with a wrong name or type. */
function expression(random: Random, depth: number): string {
  if (depth <= 0 || random() < 0.25) return random() < 0.5 ? pick(random, LITERALS) : path(random)
  switch (int(random, 11)) {
    case 0:
    case 1:
      return `${expression(random, depth - 1)} ${pick(random, BINARY)} ${expression(random, depth - 1)}`
    case 2:
      return `${expression(random, depth - 1)} ? ${expression(random, depth - 1)} : ${expression(random, depth - 1)}`
    case 3:
      return `${pick(random, ['!', '-', '!!', '--'])}${expression(random, depth - 1)}`
    case 4:
      return `(${expression(random, depth - 1)})`
    case 5:
      return `[${list(random, depth)}]`
    case 6: {
      const entries = Array.from({ length: int(random, 4) }, () => {
        const key = random() < 0.8 ? JSON.stringify(pick(random, FIELDS)) : expression(random, depth - 1)
        return `${key}: ${expression(random, depth - 1)}`
      })
      return `{${entries.join(', ')}}`
    }
    case 7:
      return random() < 0.8
        ? `${pick(random, ['size', 'string', 'int', 'double', 'bool', 'dyn'])}(${expression(random, depth - 1)})`
        : `${pick(random, FUNCTIONS)}(${list(random, depth)})`
    case 8:
      return `${path(random)}.${pick(random, METHODS)}(${list(random, depth)})`
    case 9: {
      const name = pick(random, ['v', 'x', 'inputs', 'item'])
      const body = expression(random, depth - 1).replace(/\bx\b/g, name)
      const extra = random() < 0.2 ? `, ${expression(random, depth - 1)}` : ''
      return `${path(random)}.${pick(random, MACROS)}(${name}${extra}, ${body})`
    }
    default:
      return `${expression(random, depth - 1)}[${expression(random, depth - 1)}]`
  }
}

function list(random: Random, depth: number): string {
  return Array.from({ length: int(random, 4) }, () => expression(random, depth - 1)).join(', ')
}

/** Paths that exist in FUZZ_SCOPE, so that most generated expressions get past the lookups. */
const PATHS = [
  ...['inputs.amount', 'inputs.price', 'inputs.zero', 'inputs.neg', 'inputs.name', 'inputs.emoji', 'inputs.items'],
  ...['inputs.nums', 'inputs.words', 'inputs.flag', 'inputs.none', 'inputs.map', 'inputs.map.b.c', 'inputs.empty'],
  ...['inputs.map["my-key"]', 'inputs.__proto__', 'steps.a.output', 'steps.a.output.y', 'steps["my-step"].error'],
  ...['item', 'item.sku', 'item.qty', 'index', 'attempt', 'vars.total', 'vars.list', 'vars.obj', 'execution.id'],
]

/** A member/index chain: mostly one that exists, sometimes a random one from any name. */
function path(random: Random): string {
  if (random() < 0.9) return pick(random, PATHS)
  let out = pick(random, IDENTIFIERS)
  for (let i = int(random, 4); i > 0; i--) {
    out +=
      random() < 0.7
        ? `.${pick(random, FIELDS)}`
        : `[${random() < 0.5 ? int(random, 4) : JSON.stringify(pick(random, FIELDS))}]`
  }
  return out
}

/** A template string: text and `{{ }}` parts around generated expressions. */
function template(random: Random, makeExpression: () => string): string {
  if (random() < 0.4) return `{{ ${makeExpression()} }}`
  const parts: string[] = []
  for (let i = 1 + int(random, 3); i > 0; i--) {
    parts.push(pick(random, ['', 'text ', ' }} ', 'a{b} ', '\n', 'é ']))
    parts.push(`{{${pick(random, ['', ' ', '\n'])}${makeExpression()}${pick(random, ['', ' ', '\t'])}}}`)
  }
  return parts.join('')
}

/** Random byte-level edits of a valid template. */
function mutate(random: Random, text: string): string {
  let out = text
  for (let n = 1 + int(random, 4); n > 0; n--) {
    const at = int(random, out.length + 1)
    switch (int(random, 5)) {
      case 0:
        out = out.slice(0, at) + out.slice(at + 1 + int(random, 4))
        break
      case 1:
        out = out.slice(0, at) + pick(random, [...NOISE]) + out.slice(at)
        break
      case 2:
        out = out.slice(0, at) + pick(random, TOKENS) + out.slice(at)
        break
      case 3: {
        const from = int(random, out.length + 1)
        out = out.slice(0, at) + out.slice(from, from + int(random, 8)) + out.slice(at)
        break
      }
      default:
        out = out.slice(0, at) + String.fromCharCode(int(random, 0x80)) + out.slice(at + 1)
    }
  }
  return out
}

const VALID = [
  '{{ inputs.amount * 2 }}',
  'total {{ inputs.price + 1 }} for {{ inputs.name }}',
  '{{ steps["my-step"].output == null ? "none" : steps.a.output.x }}',
  '{{ inputs.items.map(x, string(x)).join(",") }}',
  '{{ {"a": [1, 2.5], "b": {"c": inputs.map.b.c[1]}} }}',
  '{{ has(inputs.map.a) && size(inputs.words) > 1 }}',
  "{{ '{{' }} .Name }}",
  '{{ inputs.nums.filter(n, n > 1).all(n, n in inputs.nums) }}',
]

/** Test case `index` of `seed`. */
export function fuzzTemplate(seed: number, index: number): string {
  const random = seededRandom((Math.imul(seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0)
  // Weighted so that a good share of the cases get past parsing and compiling and exercise evaluation.
  const kind = int(random, 10)
  if (kind < 4) return template(random, () => expression(random, 1 + int(random, 4)))
  if (kind < 6) {
    const soup = (): string =>
      Array.from({ length: 1 + int(random, 8) }, () => pick(random, TOKENS)).join(pick(random, ['', ' ']))
    return template(random, soup)
  }
  if (kind < 8) return mutate(random, pick(random, VALID))
  return mutate(
    random,
    template(random, () => expression(random, 1 + int(random, 3))),
  )
}

/** True when `value` is plain JSON: finite numbers (never BigInt), strings, booleans, null, arrays, plain objects. */
function isPlainJson(root: unknown): boolean {
  const pending: unknown[] = [root]
  while (pending.length > 0) {
    const value = pending.pop()
    if (value === null || typeof value === 'string' || typeof value === 'boolean') continue
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return false
      continue
    }
    if (isList(value)) {
      if (Object.getPrototypeOf(value) !== Array.prototype) return false
      for (let i = 0; i < value.length; i++) pending.push(value[i])
      continue
    }
    if (!isMap(value)) return false
    const proto: unknown = Object.getPrototypeOf(value)
    if (proto !== Object.prototype && proto !== null) return false
    for (const key of Object.keys(value)) pending.push(value[key])
  }
  return true
}

/**
 * Runs one case through every public entry point. Returns `null` when all is well, or what went wrong. An error
 * that is not an ExpressionError is thrown on, so the caller sees its class and stack.
 */
export function checkFuzzCase(source: string, scope: TemplateScope = FUZZ_SCOPE): string | null {
  const problems = checkTemplate(source)
  for (const problem of problems) {
    if (!Number.isInteger(problem.offset) || problem.offset < 0 || problem.offset > source.length) {
      return `problem offset ${problem.offset} outside [0, ${source.length}]: ${problem.message}`
    }
    if (typeof problem.message !== 'string' || problem.message === '') return 'a problem without a message'
  }
  const references = templateReferences(source)
  if (!references.every((path) => path.length > 0 && path.every((segment) => typeof segment === 'string'))) {
    return `bad references ${JSON.stringify(references)}`
  }
  let value: unknown
  try {
    value = renderString(source, scope)
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error
    if (problems.length > 0 && error.offset !== problems[0]!.offset) {
      return `render failed at offset ${String(error.offset)}, checkTemplate said ${problems[0]!.offset}`
    }
    if (error.offset !== null && (error.offset < 0 || error.offset > source.length)) {
      return `error offset ${error.offset} outside the source`
    }
    return null
  }
  if (problems.length > 0) return `rendered although checkTemplate found: ${problems[0]!.message}`
  if (!isPlainJson(value)) return `rendered a value that is not plain JSON: ${String(value)}`
  return null
}
