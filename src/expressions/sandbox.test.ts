import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { ExpressionError, MAX_STRING_LENGTH, renderString, type TemplateScope } from './index.js'

/**
 * The sandbox: nothing in an expression can reach a prototype, a global or the host, and data is only ever data.
 * Most payloads are valid expressions that really evaluate, against hostile data that arrives the way real data
 * does: parsed from JSON (CLI inputs, a signal payload in `steps.approve.output`), or host objects handed in by
 * mistake. Every payload must give plain JSON data or an ExpressionError, quickly, and must never call a canary.
 */

const canary = vi.fn(() => 'leaked')
const CANARY = '__trellisCanary'

/** Things that would show a leak: the canary reachable from globalThis and from every object's prototype. */
function installCanaries(): void {
  Object.defineProperty(globalThis, CANARY, { value: canary, configurable: true, writable: true })
  Object.defineProperty(Object.prototype, CANARY, { value: canary, configurable: true, writable: true })
}

function removeCanaries(): void {
  delete (globalThis as Record<string, unknown>)[CANARY]
  delete (Object.prototype as Record<string, unknown>)[CANARY]
}

function prototypeSnapshot(): Record<string, string[]> {
  const names = (o: object): string[] => Reflect.ownKeys(o).map(String).sort()
  return {
    object: names(Object.prototype),
    function: names(Function.prototype),
    array: names(Array.prototype),
    string: names(String.prototype),
    number: names(Number.prototype),
    globals: names(globalThis),
  }
}

/** True when `value` is plain JSON data: what every successful render must give. Iterative: inputs nest deeply. */
function isPlainJson(root: unknown): boolean {
  const pending: unknown[] = [root]
  const seen = new Set<object>()
  while (pending.length > 0) {
    const value = pending.pop()
    if (value === null || typeof value === 'string' || typeof value === 'boolean') continue
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return false
      continue
    }
    if (typeof value !== 'object') return false
    if (seen.has(value)) continue // shared, not necessarily a cycle; renders never build cycles
    seen.add(value)
    const proto: unknown = Object.getPrototypeOf(value)
    if (Array.isArray(value) ? proto !== Array.prototype : proto !== Object.prototype && proto !== null) return false
    for (const key of Object.getOwnPropertyNames(value)) {
      if (Array.isArray(value) && key === 'length') continue
      const d = Object.getOwnPropertyDescriptor(value, key)!
      if (!('value' in d)) return false
      pending.push(d.value)
    }
  }
  return true
}

const hostileInputs = JSON.parse(`{
  "__proto__": {"polluted": true, "isAdmin": true},
  "constructor": {"prototype": {"polluted": true}, "name": "data"},
  "prototype": {"polluted": true},
  "toString": "not a function",
  "valueOf": 1,
  "hasOwnProperty": "h",
  "__defineGetter__": "g",
  "__lookupGetter__": "l",
  "toJSON": "j",
  "then": "t",
  "amount": 5,
  "items": [1, 2, 3]
}`) as Record<string, unknown>

/** A signal payload as it would arrive over HTTP and become `steps.approve.output`. */
const signalPayload = JSON.parse(
  '{"by": "eve", "__proto__": {"isAdmin": true}, "constructor": {"prototype": {"isAdmin": true}}}',
) as unknown

function nested(depth: number): unknown {
  let value: unknown = 'bottom'
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { d: value }
  return value
}

const bigList = Array.from({ length: 1_000_000 }, (_, i) => i)
const bigString = 'a'.repeat(10 * 1024 * 1024)

const baseScope: TemplateScope = {
  inputs: hostileInputs,
  vars: {},
  steps: { approve: { output: signalPayload, status: 'completed', error: null } },
  execution: { id: 'e-1', workflow: 'w' },
}
const hugeScope: TemplateScope = {
  inputs: { deep: nested(10_000), deep2: nested(10_000), big: bigList, s: bigString, small: ['x'] },
}

/** Host objects handed in by mistake; none may run code or be traversed. */
class Account {
  secret = 's3cret'
  get balance(): number {
    return canary() === 'leaked' ? 1 : 0
  }
}
const withGetter = Object.defineProperty({ a: 1 }, 'x', { get: canary, enumerable: true })
const arrayWithGetter = Object.defineProperty([1, 2], 1, { get: canary, enumerable: true })
const arrayWithMethods = Object.assign([1, 2], { concat: canary, map: canary, join: canary })
const withSymbols = { a: 1, [Symbol.toPrimitive]: canary, [Symbol.iterator]: canary }
const inheriting = Object.create({ inherited: canary }) as object

interface Payload {
  readonly name: string
  readonly template: string
  readonly scope?: TemplateScope
  /** What it must give; omitted when only "plain data or ExpressionError" is asserted. */
  readonly expect?: { readonly value: unknown } | { readonly error: string | RegExp }
}

const payloads: readonly Payload[] = [
  // Constructor chains
  {
    name: 'data constructor is data',
    template: '{{ inputs.constructor }}',
    expect: { value: { prototype: { polluted: true }, name: 'data' } },
  },
  {
    name: 'constructor of constructor',
    template: '{{ inputs.constructor.constructor }}',
    expect: { error: 'no field "constructor" in inputs.constructor' },
  },
  {
    name: 'bracket constructor chain',
    template: '{{ inputs["constructor"]["constructor"] }}',
    expect: { error: /no field "constructor"/ },
  },
  {
    name: 'Function via constructor call',
    template: '{{ inputs["constructor"]["constructor"]("return process")() }}',
    expect: { error: ExpressionErrorText() },
  },
  {
    name: 'string constructor',
    template: '{{ "".constructor }}',
    expect: { error: 'is a string, so it has no field "constructor"' },
  },
  {
    name: 'list constructor',
    template: '{{ [].constructor }}',
    expect: { error: 'is a list, so it has no field "constructor"' },
  },
  { name: 'map literal constructor', template: '{{ {}.constructor }}', expect: { error: 'no field "constructor"' } },
  {
    name: 'number constructor',
    template: '{{ (1).constructor }}',
    expect: { error: 'is a number, so it has no field "constructor"' },
  },
  { name: 'function name as value', template: '{{ size.constructor }}', expect: { error: 'unknown variable "size"' } },
  {
    name: 'vars constructor (not own)',
    template: '{{ vars.constructor }}',
    expect: { error: 'no field "constructor" in vars' },
  },
  {
    name: 'constructor.prototype in vars',
    template: '{{ vars["constructor"]["prototype"] }}',
    expect: { error: 'no field "constructor"' },
  },
  { name: 'constructor key test', template: '{{ "constructor" in vars }}', expect: { value: false } },
  // __proto__ and prototype, in data and in map literals
  {
    name: '__proto__ from JSON is data',
    template: '{{ inputs.__proto__ }}',
    expect: { value: { polluted: true, isAdmin: true } },
  },
  { name: '__proto__ field from JSON', template: '{{ inputs.__proto__.polluted }}', expect: { value: true } },
  {
    name: '__proto__ of plain vars',
    template: '{{ vars.__proto__ }}',
    expect: { error: 'no field "__proto__" in vars' },
  },
  {
    name: '__proto__ in a map literal',
    template: '{{ {"__proto__": {"polluted": true}} }}',
    expect: { value: JSON.parse('{"__proto__": {"polluted": true}}') as unknown },
  },
  {
    name: '__proto__ literal does not become the prototype',
    template: '{{ {"__proto__": {"polluted": true}}.polluted }}',
    expect: { error: 'no field "polluted"' },
  },
  {
    name: 'constructor.prototype in a map literal',
    template: '{{ {"constructor": {"prototype": {"polluted": true}}} }}',
    expect: { value: { constructor: { prototype: { polluted: true } } } },
  },
  { name: 'prototype key is data', template: '{{ inputs.prototype.polluted }}', expect: { value: true } },
  { name: '__proto__ via index', template: '{{ vars["__proto__"] }}', expect: { error: 'no field "__proto__"' } },
  {
    name: '__proto__ as a bare name',
    template: '{{ __proto__ }}',
    expect: { error: '"__proto__" is a reserved word' },
  },
  {
    name: 'list concat with __proto__ maps',
    template: '{{ [inputs.__proto__] + [{"__proto__": 1}] }}',
    expect: { value: [{ polluted: true, isAdmin: true }, JSON.parse('{"__proto__": 1}') as unknown] },
  },
  // Object.prototype method names as keys
  { name: 'toString key is data', template: '{{ inputs.toString }}', expect: { value: 'not a function' } },
  { name: 'valueOf key is data', template: '{{ inputs.valueOf + 1 }}', expect: { value: 2 } },
  { name: 'hasOwnProperty key is data', template: '{{ inputs.hasOwnProperty }}', expect: { value: 'h' } },
  {
    name: '__defineGetter__ key is data',
    template: '{{ inputs.__defineGetter__ + inputs.__lookupGetter__ }}',
    expect: { value: 'gl' },
  },
  {
    name: 'toJSON key does not change text',
    template: 'x={{ {"toJSON": "j", "a": 1} }}',
    expect: { value: 'x={"toJSON":"j","a":1}' },
  },
  { name: 'toString of plain vars', template: '{{ vars.toString }}', expect: { error: 'no field "toString" in vars' } },
  { name: 'calling toString', template: '{{ vars.toString() }}', expect: { error: 'unknown method .toString()' } },
  {
    name: 'calling hasOwnProperty',
    template: '{{ vars.hasOwnProperty("x") }}',
    expect: { error: 'unknown method .hasOwnProperty()' },
  },
  {
    name: 'calling __defineGetter__',
    template: '{{ inputs.__defineGetter__("amount", 1) }}',
    expect: { error: 'unknown method .__defineGetter__()' },
  },
  {
    name: 'calling __lookupGetter__',
    template: '{{ vars.__lookupGetter__("__proto__") }}',
    expect: { error: 'unknown method .__lookupGetter__()' },
  },
  {
    name: 'map literal with method-name keys',
    template: '{{ {"toString": 1, "valueOf": 2, "hasOwnProperty": 3, "__lookupGetter__": 4}.hasOwnProperty }}',
    expect: { value: 3 },
  },
  {
    name: 'method-name keys in',
    template: '{{ ["toString" in inputs, "toString" in vars, "valueOf" in {}] }}',
    expect: { value: [true, false, false] },
  },
  { name: 'size counts own keys only', template: '{{ size(vars) }}', expect: { value: 0 } },
  { name: 'then key is data', template: '{{ inputs.then }}', expect: { value: 't' } },
  // Globals and the host
  { name: 'process', template: '{{ process }}', expect: { error: 'unknown variable "process"' } },
  { name: 'process.env', template: '{{ process.env.HOME }}', expect: { error: 'unknown variable "process"' } },
  { name: 'globalThis', template: '{{ globalThis }}', expect: { error: 'unknown variable "globalThis"' } },
  { name: 'globalThis canary call', template: `{{ globalThis.${CANARY}() }}`, expect: { error: 'unknown method' } },
  { name: 'canary as a function', template: `{{ ${CANARY}() }}`, expect: { error: 'unknown function' } },
  { name: 'canary via prototype', template: `{{ vars.${CANARY} }}`, expect: { error: `no field "${CANARY}" in vars` } },
  { name: 'canary via list prototype', template: `{{ inputs.items.${CANARY} }}`, expect: { error: 'is a list' } },
  { name: 'canary via string prototype', template: `{{ "x"["${CANARY}"] }}`, expect: { error: 'is a string' } },
  { name: 'canary via has()', template: `{{ has(vars.${CANARY}) }}`, expect: { value: false } },
  { name: 'canary via in', template: `{{ "${CANARY}" in vars }}`, expect: { value: false } },
  { name: 'require', template: '{{ require("child_process") }}', expect: { error: 'unknown function require()' } },
  { name: 'import', template: '{{ import("fs") }}', expect: { error: 'reserved word' } },
  { name: 'this', template: '{{ this }}', expect: { error: 'unknown variable "this"' } },
  { name: 'Function', template: '{{ Function("return process")() }}', expect: { error: ExpressionErrorText() } },
  { name: 'eval', template: '{{ eval("process") }}', expect: { error: 'unknown function eval()' } },
  { name: 'cel namespace', template: '{{ cel.__proto__ }}', expect: { error: 'unknown variable "cel"' } },
  { name: 'type constants', template: '{{ int.__proto__ }}', expect: { error: 'unknown variable "int"' } },
  {
    name: 'timestamp objects',
    template: '{{ timestamp("2024-01-01T00:00:00Z").__proto__ }}',
    expect: { error: 'unknown function timestamp()' },
  },
  { name: 'type() objects', template: '{{ type(1) }}', expect: { error: 'unknown function type()' } },
  {
    name: 'regular expressions',
    template: '{{ inputs.toString.matches("(a+)+$") }}',
    expect: { error: 'matches() is not supported' },
  },
  {
    name: 'macro variable named like a global',
    template: '{{ inputs.items.map(process, process * 2) }}',
    expect: { value: [2, 4, 6] },
  },
  // Data-borne payloads through a signal
  {
    name: 'signal payload is data',
    template: 'approved by {{ steps.approve.output.by }}',
    expect: { value: 'approved by eve' },
  },
  {
    name: 'signal __proto__ is data',
    template: '{{ steps.approve.output.__proto__.isAdmin }}',
    expect: { value: true },
  },
  {
    name: 'signal does not pollute',
    template: '{{ steps.approve.output.isAdmin }}',
    expect: { error: 'no field "isAdmin"' },
  },
  {
    name: 'signal constructor is data',
    template: '{{ steps.approve.output.constructor.prototype }}',
    expect: { value: { isAdmin: true } },
  },
  { name: 'signal as a whole', template: '{{ steps.approve.output }}', expect: { value: signalPayload } },
  {
    name: 'signal as text',
    template: 'x{{ steps.approve.output }}',
    expect: { value: 'x{"by":"eve","__proto__":{"isAdmin":true},"constructor":{"prototype":{"isAdmin":true}}}' },
  },
  // Host objects handed in by mistake
  {
    name: 'a Date',
    template: '{{ inputs.d }}',
    scope: { inputs: { d: new Date(0) } },
    expect: { error: 'inputs.d holds an instance of Date' },
  },
  {
    name: 'a getter',
    template: '{{ inputs.a }}',
    scope: { inputs: withGetter },
    expect: { error: 'inputs.x holds a getter or setter' },
  },
  {
    name: 'a getter in an array',
    template: '{{ inputs[0] }}',
    scope: { inputs: arrayWithGetter },
    expect: { error: 'inputs[1] holds a getter or setter' },
  },
  {
    name: 'a class with a getter',
    template: '{{ inputs.balance }}',
    scope: { inputs: new Account() },
    expect: { error: 'inputs holds an instance of Account' },
  },
  {
    name: 'a function',
    template: '{{ inputs.f }}',
    scope: { inputs: { f: canary } },
    expect: { error: 'inputs.f holds a function' },
  },
  {
    name: 'a toJSON function',
    template: 'x{{ inputs }}',
    scope: { inputs: { toJSON: canary } },
    expect: { error: 'inputs.toJSON holds a function' },
  },
  {
    name: 'a Map',
    template: '{{ size(inputs) }}',
    scope: { inputs: new Map([['a', 1]]) },
    expect: { error: 'inputs holds an instance of Map' },
  },
  {
    name: 'inherited properties',
    template: '{{ inputs.inherited }}',
    scope: { inputs: inheriting },
    expect: { error: 'inputs holds an object with a custom prototype' },
  },
  {
    name: 'array methods overridden',
    template: '{{ inputs + [3] }}',
    scope: { inputs: arrayWithMethods },
    expect: { value: [1, 2, 3] },
  },
  {
    name: 'array methods on join',
    template: '{{ inputs.join("-") }}',
    scope: { inputs: arrayWithMethods },
    expect: { value: '1-2' },
  },
  {
    name: 'symbol keys are invisible',
    template: '{{ inputs }}|{{ inputs.a + 1 }}|{{ size(inputs) }}',
    scope: { inputs: withSymbols },
    expect: { value: '{"a":1}|2|1' },
  },
  {
    name: 'a cycle',
    template: '{{ inputs }}',
    scope: {
      inputs: ((): unknown => {
        const o: Record<string, unknown> = {}
        o.self = o
        return o
      })(),
    },
    expect: { error: 'inputs.self holds a reference to itself' },
  },
  {
    name: 'a bigint',
    template: '{{ inputs.n }}',
    scope: { inputs: { n: 1n } },
    expect: { error: 'inputs.n holds a bigint' },
  },
  {
    name: 'NaN',
    template: '{{ inputs.n }}',
    scope: { inputs: { n: Number.NaN } },
    expect: { error: 'inputs.n holds the number NaN' },
  },
  {
    name: 'undefined inside data',
    template: '{{ inputs }}',
    scope: { inputs: { u: undefined } },
    expect: { error: 'inputs.u holds undefined' },
  },
  // Size and depth
  { name: 'deep input as a value', template: '{{ inputs.deep }}', scope: hugeScope },
  {
    name: 'deep input as text',
    template: 'x{{ inputs.deep }}',
    scope: hugeScope,
    expect: { error: 'too large or too deeply nested' },
  },
  {
    name: 'deep input equality',
    template: '{{ inputs.deep == inputs.deep2 }}',
    scope: hugeScope,
    expect: { value: true },
  },
  {
    name: 'deep input in a list',
    template: '{{ inputs.deep in [inputs.deep2] }}',
    scope: hugeScope,
    expect: { value: true },
  },
  { name: 'huge list size', template: '{{ size(inputs.big) }}', scope: hugeScope, expect: { value: 1_000_000 } },
  {
    name: 'huge list map',
    template: '{{ inputs.big.map(x, x * 2).size() }}',
    scope: hugeScope,
    expect: { value: 1_000_000 },
  },
  {
    name: 'huge list exists',
    template: '{{ inputs.big.exists(x, x < 0) }}',
    scope: hugeScope,
    expect: { value: false },
  },
  { name: 'huge list membership', template: '{{ 999999 in inputs.big }}', scope: hugeScope, expect: { value: true } },
  {
    name: 'nested macros over a huge list',
    template: '{{ inputs.big.map(x, inputs.big.map(y, y)) }}',
    scope: hugeScope,
    expect: { error: 'too much work' },
  },
  {
    name: 'repeated huge comparisons',
    template: `{{ ${Array(50).fill('inputs.big == inputs.big + []').join(' && ')} }}`,
    scope: hugeScope,
    expect: { error: 'too much work' },
  },
  { name: 'huge list as text', template: 'x{{ inputs.big }}', scope: hugeScope },
  {
    name: '10 MB string size',
    template: '{{ size(inputs.s) }}',
    scope: hugeScope,
    expect: { value: bigString.length },
  },
  {
    name: '10 MB string doubled',
    template: '{{ size(inputs.s + inputs.s) }}',
    scope: hugeScope,
    expect: { value: 2 * bigString.length },
  },
  {
    name: 'string repetition by +',
    template: `{{ ${Array(8).fill('inputs.s').join(' + ')} }}`,
    scope: hugeScope,
    expect: { error: `longer than ${MAX_STRING_LENGTH.toLocaleString('en-US')} characters` },
  },
  {
    name: 'string repetition by replace',
    template: '{{ inputs.s.replace("a", inputs.s) }}',
    scope: hugeScope,
    expect: { error: /characters|too much work/ },
  },
  {
    name: 'string repetition by join',
    template: '{{ inputs.big.map(x, inputs.s).join() }}',
    scope: hugeScope,
    expect: { error: 'characters' },
  },
  {
    name: 'string repetition by split',
    template: '{{ inputs.s.split("") }}',
    scope: hugeScope,
    expect: { error: 'too much work' },
  },
  {
    name: 'string repetition in text',
    template: `${'{{ inputs.s }}'.repeat(8)}`,
    scope: hugeScope,
    expect: { error: 'characters' },
  },
  {
    name: 'list repetition by +',
    template: `{{ size(${Array(40).fill('inputs.big').join(' + ')}) }}`,
    scope: hugeScope,
    expect: { error: 'too much work' },
  },
  {
    name: 'huge list of huge strings as text',
    template: 'x{{ inputs.big.map(x, inputs.s) }}',
    scope: hugeScope,
    expect: { error: /too large|characters|too much work/ },
  },
  // Long expressions
  { name: 'long sum', template: `{{ ${'1 + '.repeat(100_000)}1 }}`, expect: { error: 'the expression is too long' } },
  { name: 'long unary chain', template: `{{ ${'!'.repeat(200_000)}true }}`, expect: { error: 'nested too deeply' } },
  { name: 'long member chain', template: `{{ inputs${'.a'.repeat(10_000)} }}`, expect: { error: 'nested too deeply' } },
  { name: 'long string literal', template: `{{ size("${'x'.repeat(1_000_000)}") }}`, expect: { value: 1_000_000 } },
  { name: 'many templates', template: '{{ inputs.amount }}'.repeat(10_000), expect: { value: '5'.repeat(10_000) } },
  { name: 'long list literal', template: `{{ [${'1,'.repeat(5_000)}1] }}`, expect: { error: 'too many elements' } },
]

function inspectError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : JSON.stringify(error)
}

/** Matches any message: for payloads that are not CEL at all, only the error class matters. */
function ExpressionErrorText(): RegExp {
  return /./
}

describe('sandbox: escape and pollution payloads', () => {
  let before: Record<string, string[]>

  beforeAll(() => {
    before = prototypeSnapshot()
    installCanaries()
  })

  afterAll(() => {
    removeCanaries()
    // Snapshots after the whole corpus: nothing added to or removed from any prototype or the global object.
    expect(prototypeSnapshot()).toEqual(before)
    expect(canary).not.toHaveBeenCalled()
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined()
  })

  it('has a corpus of at least 30 payloads, most of which evaluate', () => {
    expect(payloads.length).toBeGreaterThanOrEqual(30)
    const evaluated = payloads.filter(
      (p) =>
        p.expect === undefined ||
        'value' in p.expect ||
        !/unknown|reserved|expected|unexpected|nested too deeply|too long|too many/.test(String(p.expect.error)),
    )
    expect(evaluated.length).toBeGreaterThan(payloads.length / 2)
  })

  it.each(payloads.map((p) => [p.name, p] as const))('%s', (_name, payload) => {
    const started = performance.now()
    let value: unknown
    let failure: unknown = null
    try {
      value = renderString(payload.template, payload.scope ?? baseScope)
    } catch (error) {
      failure = error
    }
    const elapsedMs = performance.now() - started
    // A hang guard, not a timing test.
    expect(elapsedMs).toBeLessThan(2_000)
    if (failure !== null) {
      // Any other class (TypeError, RangeError, …) fails here with its own message.
      if (!(failure instanceof ExpressionError)) expect.fail(`not an ExpressionError: ${inspectError(failure)}`)
      expect(failure.code).toBe('EXPRESSION_ERROR')
    } else {
      expect(isPlainJson(value)).toBe(true)
    }
    const expected = payload.expect
    if (expected !== undefined && 'value' in expected) {
      expect(failure).toBeNull()
      // As JSON text: toStrictEqual would compare a "constructor" key of the data as if it were the class.
      expect(JSON.stringify(value)).toBe(JSON.stringify(expected.value))
    } else if (expected !== undefined) {
      expect(failure).toBeInstanceOf(ExpressionError)
      const message = (failure as ExpressionError).message
      if (typeof expected.error === 'string') expect(message).toContain(expected.error)
      else expect(message).toMatch(expected.error)
    }
    expect(canary).not.toHaveBeenCalled()
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('a map literal with a __proto__ key gives a plain object with that own key', () => {
    const value = renderString('{{ {"__proto__": {"polluted": true}, "a": 1} }}', baseScope) as object
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
    expect(Object.getOwnPropertyNames(value)).toEqual(['__proto__', 'a'])
    expect((value as { polluted?: unknown }).polluted).toBeUndefined()
    expect(JSON.stringify(value)).toBe('{"__proto__":{"polluted":true},"a":1}')
  })
})
