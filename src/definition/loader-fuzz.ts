import { parse } from 'yaml'
import { workflowFileSchema } from './file-schema.js'
import { loadWorkflow } from './load.js'
import type { Workflow } from './model.js'
import { DefinitionError, type Problem } from './problems.js'

/**
 * Random and mutated workflow documents for fuzzing the loader (src/definition/fuzz.test.ts runs a few
 * thousand, `npx tsx scripts/fuzz-loader.ts N` as many as asked). Deterministic for a seed.
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

const KEYS = [
  'trellis',
  'name',
  'description',
  'inputs',
  'vars',
  'outputs',
  'defaults',
  'failure_policy',
  'timeout',
  'steps',
  'action',
  'workflow',
  'sleep',
  'wait',
  'pause',
  'with',
  'needs',
  'needs_any',
  'when',
  'for_each',
  'concurrency',
  'retry',
  'publish',
  'on_success',
  'on_failure',
  'on_complete',
  'on_timeout',
  'signal',
  'max_attempts',
  'backoff',
  'delay',
  'factor',
  'max_delay',
  'jitter',
  'type',
  'required',
  'default',
  '__proto__',
  'constructor',
  'validate',
  'charge',
  'x',
  '<<',
  '',
]

const VALUES = [
  '1',
  '0',
  '-1',
  '1.5',
  '1e400',
  '.inf',
  '.nan',
  'null',
  '~',
  'true',
  'false',
  'yes',
  '"{{ inputs.amount }}"',
  '"{{ }}"',
  '"{{ steps.nope.output }}"',
  '"{{ result }}"',
  '"{{ item }}"',
  '"{{ (( }}"',
  '"}}"',
  '[validate]',
  '[charge, charge]',
  '{}',
  '[]',
  '30s',
  '5x',
  '0s',
  '1h30m',
  'core.echo',
  'core.ecko',
  './child.yaml',
  '&a [1, 2]',
  '*a',
  '!!binary aGVsbG8=',
  '!foo bar',
  '|\n  block {{ x }}',
  '>-\n  folded',
  "'it''s'",
  '"\\u0000"',
  '2001-12-14',
  'exponential',
  'expo',
  '{ signal: s, timeout: 1d }',
  '"{{ inputs.items }}"',
  'fail_fast',
  'continue',
]

const NOISE = ':{}[]&*!|>\'"#%@`,-?\t\r\n \\\u0000\u00e9\ud83d\ude00{{}}'

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)]!
}

function int(random: () => number, max: number): number {
  return Math.floor(random() * max)
}

/** One mutation of a document. */
function mutate(text: string, random: () => number): string {
  const lines = text.split('\n')
  const at = int(random, lines.length)
  const indent = (lines[at] ?? '').match(/^ */)?.[0] ?? ''
  switch (int(random, 14)) {
    case 0:
      lines.splice(at, 1 + int(random, 3))
      return lines.join('\n')
    case 1:
      lines.splice(at, 0, lines[at] ?? '')
      return lines.join('\n')
    case 2: {
      const other = int(random, lines.length)
      ;[lines[at], lines[other]] = [lines[other]!, lines[at]!]
      return lines.join('\n')
    }
    case 3: {
      const position = int(random, text.length + 1)
      let noise = ''
      for (let i = 0; i < 1 + int(random, 4); i++) noise += pick(random, [...NOISE])
      return text.slice(0, position) + noise + text.slice(position)
    }
    case 4:
      lines.splice(at, 0, `${indent}${pick(random, KEYS)}: ${pick(random, VALUES)}`)
      return lines.join('\n')
    case 5:
      lines[at] = (lines[at] ?? '').replace(/:\s.*$/, `: ${pick(random, VALUES)}`)
      return lines.join('\n')
    case 6:
      lines[at] = (lines[at] ?? '').replace(/^(\s*)[^:\s]+:/, `$1${pick(random, KEYS)}:`)
      return lines.join('\n')
    case 7: {
      const depth = 1 + int(random, 120)
      const nested =
        random() < 0.5 ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{a: '.repeat(depth)}1${'}'.repeat(depth)}`
      lines.splice(at, 0, `${indent}with: ${nested}`)
      return lines.join('\n')
    }
    case 8: {
      const depth = 1 + int(random, 100)
      const block = Array.from({ length: depth }, (_, i) => `${indent}${'  '.repeat(i)}k${i}:`).join('\n')
      lines.splice(at, 0, `${block} 1`)
      return lines.join('\n')
    }
    case 9: {
      const laughs = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
      for (let i = 1; i < 10; i++)
        laughs.push(
          `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
            .fill(`*${String.fromCharCode(96 + i)}`)
            .join(', ')}]`,
        )
      lines.splice(at, 0, ...laughs.map((l) => `${indent}${l}`))
      return lines.join('\n')
    }
    case 10:
      lines.splice(
        at,
        0,
        `${indent}${pick(random, ['x: &s [*s]', '*nope : 1', '? [a, b]\n: 1', 'k: *nope', 'k: &q 1', 'v: *q'])}`,
      )
      return lines.join('\n')
    case 11:
      return text.slice(0, int(random, text.length + 1))
    case 12:
      return lines
        .map((line) => (random() < 0.1 ? line.replace(/^ /, '\t') : line))
        .join(random() < 0.5 ? '\n' : '\r\n')
    default:
      lines[at] = (lines[at] ?? '').replace(
        /"[^"]*"/,
        `"{{ ${pick(random, ['inputs.', 'steps["a"', 'a ? b', '1 +', "'{{'", 'size(', 'x.y.z', ''])} }}"`,
      )
      return lines.join('\n')
  }
}

/** A document made from nothing: random keys, values and nesting. */
function randomDocument(random: () => number): string {
  const lines: string[] = []
  const count = 1 + int(random, 20)
  for (let i = 0; i < count; i++) {
    const depth = int(random, 4)
    lines.push(`${'  '.repeat(depth)}${pick(random, KEYS)}: ${random() < 0.4 ? '' : pick(random, VALUES)}`)
  }
  return random() < 0.5 ? `trellis: 1\nname: fuzz\nsteps:\n${lines.map((l) => `  ${l}`).join('\n')}` : lines.join('\n')
}

/** The `index`-th fuzz case for `seed`: mostly mutations (1 to 4) of `bases`, some made from nothing. */
export function fuzzCase(bases: readonly string[], seed: number, index: number): string {
  const random = seededRandom(seed * 1_000_003 + index)
  if (random() < 0.15) return randomDocument(random)
  let text = pick(random, bases)
  const rounds = 1 + int(random, 4)
  for (let i = 0; i < rounds; i++) text = mutate(text, random)
  return text
}

const KNOWN = new Set(['core.echo', 'core.noop', 'core.fail'])

/**
 * Loads one fuzz document and checks the loader's promises: nothing but a DefinitionError is thrown, it lists
 * at least one problem, every problem's location lies inside the text, and an accepted document is plain JSON
 * and also passes the file schema (the JSON Schema's source). Returns what went wrong (null when nothing did)
 * and whether the document was accepted. Any other error is rethrown as is, for the caller to fail on.
 */
export function checkFuzzCase(text: string): FuzzOutcome {
  const failure = findFailure(text)
  return typeof failure === 'boolean' ? { failure: null, accepted: failure } : { failure, accepted: false }
}

/** What {@link checkFuzzCase} found. */
export interface FuzzOutcome {
  readonly failure: string | null
  readonly accepted: boolean
}

/** A broken promise, or whether the document was accepted. */
function findFailure(text: string): string | boolean {
  const source = { text, file: 'fuzz.yaml' }
  let workflow: Workflow | null = null
  let problems: readonly Problem[] = []
  try {
    workflow = loadWorkflow(source, { isKnownAction: (name: string) => KNOWN.has(name) })
  } catch (error) {
    if (!(error instanceof DefinitionError)) throw error
    problems = error.problems
    if (problems.length === 0) return 'DefinitionError without problems'
  }
  const lines = text.split('\n')
  for (const problem of problems) {
    if (problem.loc === null) return `problem without a location: ${problem.path}: ${problem.message}`
    const { line, column, file } = problem.loc
    if (file !== 'fuzz.yaml') return `problem in file ${String(file)}`
    if (!Number.isInteger(line) || line < 1 || line > lines.length) return `line ${line} outside 1..${lines.length}`
    const length = lines[line - 1]!.length
    if (!Number.isInteger(column) || column < 1 || column > length + 1) {
      return `column ${column} outside 1..${length + 1} on line ${line}`
    }
    if (typeof problem.message !== 'string' || problem.message === '') return 'problem without a message'
  }
  if (workflow !== null) {
    if (JSON.stringify(JSON.parse(JSON.stringify(workflow))) !== JSON.stringify(workflow))
      return 'model is not plain JSON'
    const raw: unknown = parse(text, { maxAliasCount: -1, uniqueKeys: false })
    if (!workflowFileSchema.safeParse(raw).success) return 'accepted by the loader but rejected by the file schema'
  }
  return workflow !== null
}
