/**
 * Benchmark of the render path the engine uses: evaluations per second through `evaluateCondition` and
 * `renderString`, with different input values on every evaluation (1,000 precomputed scopes, cycled).
 *
 *   npx tsx bench/expressions.ts          # human-readable
 *   npx tsx bench/expressions.ts --json   # one JSON object
 */
import { evaluateCondition, renderString, type TemplateScope } from '../src/expressions/index.js'

const SCOPE_COUNT = 1_000
const DURATION_MS = 1_500
const WARMUP_MS = 300

interface Case {
  readonly name: string
  readonly template: string
  readonly run: (template: string, scope: TemplateScope) => unknown
}

const CASES: readonly Case[] = [
  {
    name: 'evaluateCondition',
    template: '{{ inputs.amount > 100 && inputs.kind == "a" }}',
    run: evaluateCondition,
  },
  {
    // A new scope object per evaluation, as an engine that builds scopes on the fly would pass: measures the
    // plain-data check that remembered objects skip.
    name: 'evaluateCondition (new objects)',
    template: '{{ inputs.amount > 100 && inputs.kind == "a" }}',
    run: (template, scope) => {
      const { amount, kind } = scope.inputs as { amount: number; kind: string }
      return evaluateCondition(template, { inputs: { amount, kind }, execution: scope.execution })
    },
  },
  { name: 'renderString (value)', template: '{{ inputs.amount * 2 }}', run: renderString },
  { name: 'renderString (text)', template: 'order {{ inputs.kind }}: {{ inputs.amount }} EUR', run: renderString },
]

/** Different values per scope: amounts both sides of 100, integers and decimals, kinds "a"/"b"/"c". */
function makeScopes(): TemplateScope[] {
  const scopes: TemplateScope[] = []
  for (let i = 0; i < SCOPE_COUNT; i++) {
    const amount = i % 3 === 0 ? i * 0.5 : i
    scopes.push({
      inputs: { amount, kind: ['a', 'b', 'c'][i % 3], order_id: `o-${i}` },
      vars: { total: i },
      steps: {},
      execution: { id: `e-${i}`, workflow: 'bench' },
    })
  }
  return scopes
}

function measure(c: Case, scopes: readonly TemplateScope[], ms: number): number {
  let count = 0
  let sink = 0
  const start = performance.now()
  let now = start
  while (now - start < ms) {
    // Batches of 1,000 keep the clock reads out of the measurement.
    for (let i = 0; i < SCOPE_COUNT; i++) {
      if (c.run(c.template, scopes[i]!) !== undefined) sink++
    }
    count += SCOPE_COUNT
    now = performance.now()
  }
  if (sink !== count) throw new Error(`unexpected result for ${c.name}`)
  return Math.round((count * 1000) / (now - start))
}

/** Checks the results against plain JavaScript once, so the benchmark cannot measure a broken path. */
function sanityCheck(scopes: readonly TemplateScope[]): void {
  for (const scope of scopes) {
    const { amount, kind } = scope.inputs as { amount: number; kind: string }
    const checks: [unknown, unknown][] = [
      [evaluateCondition(CASES[0]!.template, scope), amount > 100 && kind === 'a'],
      [CASES[1]!.run(CASES[1]!.template, scope), amount > 100 && kind === 'a'],
      [renderString(CASES[2]!.template, scope), amount * 2],
      [renderString(CASES[3]!.template, scope), `order ${kind}: ${amount} EUR`],
    ]
    for (const [got, want] of checks) if (got !== want) throw new Error(`got ${String(got)}, want ${String(want)}`)
  }
}

const scopes = makeScopes()
sanityCheck(scopes)
const results: Record<string, number> = {}
for (const c of CASES) {
  measure(c, scopes, WARMUP_MS)
  results[c.name] = measure(c, scopes, DURATION_MS)
}

if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ unit: 'evaluations/s', node: process.version, results }))
} else {
  for (const c of CASES) {
    console.log(`${c.name.padEnd(32)} ${results[c.name]!.toLocaleString('en-US').padStart(12)} /s   ${c.template}`)
  }
}
