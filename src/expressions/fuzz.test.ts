import { describe, expect, it } from 'vitest'
import { checkFuzzCase, fuzzTemplate } from './expression-fuzz.js'

/**
 * A few thousand random and mutated templates (deterministic), rendered against a fixed scope: nothing crashes,
 * every rejection is an ExpressionError (any other error class fails the test with its stack), problem offsets lie
 * inside the template, and every successful render is plain JSON. `npx tsx scripts/fuzz-expressions.ts` runs more.
 */
const SEED = 20_240_601
const CASES = 4_000

describe('fuzz', () => {
  it(`${CASES} random and mutated templates render or fail with an ExpressionError`, () => {
    const started = performance.now()
    for (let i = 0; i < CASES; i++) {
      const source = fuzzTemplate(SEED, i)
      let failure: string | null
      try {
        failure = checkFuzzCase(source)
      } catch (error) {
        throw new Error(`case ${i} threw ${String(error)} for ${JSON.stringify(source)}`, { cause: error })
      }
      if (failure !== null) expect.fail(`case ${i}: ${failure}\n${JSON.stringify(source)}`)
    }
    expect(performance.now() - started).toBeLessThan(10_000)
  })

  it('the cases cover valid templates and each kind of failure', () => {
    const sources = Array.from({ length: 500 }, (_, i) => fuzzTemplate(SEED, i))
    expect(new Set(sources).size).toBeGreaterThan(450)
    expect(sources.some((s) => s.startsWith('{{') && s.endsWith('}}'))).toBe(true)
    expect(sources.filter((s) => checkFuzzCase(s) === null).length).toBe(500)
  })

  it('is deterministic for a seed', () => {
    expect(fuzzTemplate(SEED, 7)).toBe(fuzzTemplate(SEED, 7))
    expect(fuzzTemplate(SEED, 7)).not.toBe(fuzzTemplate(SEED + 1, 7))
  })
})
