/**
 * Fuzzes the expression module at scale: `npx tsx scripts/fuzz-expressions.ts [cases] [seed]` (default 200,000
 * cases, a random seed). Random, token-soup and mutated templates are checked, rendered and walked for references
 * against a fixed scope; every case must render plain JSON or fail with an ExpressionError whose offset lies inside
 * the template. Exits 1 on the first failure, printing the case; otherwise prints a summary.
 */
import { ExpressionError, checkTemplate, renderString } from '../src/expressions/index.js'
import { FUZZ_SCOPE, checkFuzzCase, fuzzTemplate } from '../src/expressions/expression-fuzz.js'

const cases = Number(process.argv[2] ?? 200_000)
const seed = Number(process.argv[3] ?? Date.now() % 1_000_000)
if (!Number.isInteger(cases) || cases < 1 || !Number.isInteger(seed)) {
  console.error('usage: npx tsx scripts/fuzz-expressions.ts [cases] [seed]')
  process.exit(2)
}

const counts = { rendered: 0, problems: 0, evaluationErrors: 0 }
const started = Date.now()
let slowest = { ms: 0, source: '' }
for (let i = 0; i < cases; i++) {
  const source = fuzzTemplate(seed, i)
  const t0 = performance.now()
  let failure: string | null
  try {
    failure = checkFuzzCase(source)
  } catch (error) {
    failure = `threw ${error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error)}`
  }
  const ms = performance.now() - t0
  if (ms > slowest.ms) slowest = { ms, source }
  if (failure !== null) {
    console.error(
      `case ${i} (seed ${seed}) failed: ${failure}\n--- template ---\n${JSON.stringify(source)}\n----------------`,
    )
    process.exit(1)
  }
  // Classify the case for the summary (cheap: everything is cached by now).
  if (checkTemplate(source).length > 0) counts.problems++
  else {
    try {
      renderString(source, FUZZ_SCOPE)
      counts.rendered++
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error
      counts.evaluationErrors++
    }
  }
  if ((i + 1) % 50_000 === 0) console.log(`${i + 1} cases, ${Math.round((Date.now() - started) / 1000)}s`)
}
const elapsed = Date.now() - started
console.log(
  [
    `${cases} cases passed (seed ${seed}) in ${elapsed} ms`,
    `  rendered:                 ${counts.rendered}`,
    `  problems (checkTemplate): ${counts.problems}`,
    `  errors while evaluating:  ${counts.evaluationErrors}`,
    `  slowest case: ${slowest.ms.toFixed(1)} ms ${JSON.stringify(slowest.source).slice(0, 120)}`,
  ].join('\n'),
)
