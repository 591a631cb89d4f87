/**
 * Fuzzes the workflow loader at scale: `npx tsx scripts/fuzz-loader.ts [cases] [seed]`. Mutates the valid
 * fixtures of src/definition/fixtures (deleted, duplicated and swapped lines, random bytes, keys and values,
 * deep nesting, anchors and aliases) and makes documents from nothing; every case must either load or be
 * refused with a DefinitionError whose problems point inside the text. Exits 1 on the first failure, printing
 * the case.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { checkFuzzCase, fuzzCase } from '../src/definition/loader-fuzz.js'

const cases = Number(process.argv[2] ?? 100_000)
const seed = Number(process.argv[3] ?? Date.now() % 1_000_000)
const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'definition', 'fixtures')
const bases = readdirSync(fixtures)
  .filter((name) => name.endsWith('.yaml') && !name.startsWith('invalid'))
  .map((name) => readFileSync(join(fixtures, name), 'utf8'))

const started = Date.now()
let slowest = 0
let accepted = 0
for (let i = 0; i < cases; i++) {
  const text = fuzzCase(bases, seed, i)
  const t0 = performance.now()
  let failure: string | null
  try {
    const outcome = checkFuzzCase(text)
    failure = outcome.failure
    if (outcome.accepted) accepted++
  } catch (error) {
    failure = `threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`
  }
  slowest = Math.max(slowest, performance.now() - t0)
  if (failure !== null) {
    console.error(`case ${i} (seed ${seed}) failed: ${failure}\n--- text ---\n${text}\n------------`)
    process.exit(1)
  }
  if ((i + 1) % 10_000 === 0) console.log(`${i + 1} cases, ${Math.round((Date.now() - started) / 1000)}s`)
}
console.log(
  `${cases} cases passed (seed ${seed}, ${accepted} accepted) in ${Date.now() - started}ms; slowest case ${slowest.toFixed(1)}ms`,
)
