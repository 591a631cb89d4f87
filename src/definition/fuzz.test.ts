import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { checkFuzzCase, fuzzCase } from './loader-fuzz.js'

// The loader never throws anything but DefinitionError for bad input, never hangs, never overflows the stack, and
// every problem points inside the text. `npx tsx scripts/fuzz-loader.ts 100000` runs the same at scale.

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url))
const bases = readdirSync(fixtures)
  .filter((name) => /\.(ya?ml|json)$/.test(name) && !name.startsWith('invalid'))
  .map((name) => readFileSync(join(fixtures, name), 'utf8'))

const CASES = 2_000

describe('loader fuzz', () => {
  it(`survives ${CASES} random and mutated documents: only DefinitionErrors, every location inside the text`, () => {
    const failures: string[] = []
    let accepted = 0
    for (let i = 0; i < CASES; i++) {
      const text = fuzzCase(bases, 20_240_601, i)
      // Any error other than DefinitionError escapes checkFuzzCase and fails this test with the case in the message.
      let outcome: ReturnType<typeof checkFuzzCase>
      try {
        outcome = checkFuzzCase(text)
      } catch (error) {
        throw new Error(`case ${i} threw ${String(error)}\n--- text ---\n${text}`, { cause: error })
      }
      const { failure } = outcome
      if (outcome.accepted) accepted++
      if (failure !== null) failures.push(`case ${i}: ${failure}\n--- text ---\n${text}`)
    }
    expect(failures.slice(0, 3)).toEqual([])
    // The mutations must not all be fatal, or the valid path would go unfuzzed.
    expect(accepted).toBeGreaterThan(0)
  })

  it('survives documents built to hurt: deep nesting, alias bombs, huge maps, self-aliases', () => {
    const laughs = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
    for (let i = 1; i < 12; i++) {
      const name = String.fromCharCode(97 + i)
      laughs.push(
        `${name}: &${name} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(', ')}]`,
      )
    }
    const documents = [
      '['.repeat(20_000),
      `${'{a: '.repeat(10_000)}1${'}'.repeat(10_000)}`,
      Array.from({ length: 1_500 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n'),
      `${'- '.repeat(5_000)}x`,
      `trellis: 1\nname: x\nsteps:\n  a:\n    action: x\n    with:\n${laughs.map((l) => `      ${l}`).join('\n')}\n`,
      `trellis: 1\nname: x\nsteps:\n${Array.from({ length: 3_000 }, (_, i) => `  s${i}: { action: x${i === 0 ? '' : `, needs: [s${i - 1}]`} }`).join('\n')}\n`,
      'a: &a [*a, *a]\nb: &b { c: *b }\n',
      '*a : &a x\n',
      `trellis: 1\nname: x\nsteps:\n  a: { action: x, with: "${'{{ '.repeat(10_000)}" }\n`,
      `trellis: 1\nname: x\nsteps:\n  a: { action: x, with: "{{ ${'('.repeat(5_000)}1${')'.repeat(5_000)} }}" }\n`,
      '\u0000\uffff\ud800',
      '%YAML 1.1\n---\na: 2001-12-14\nb: !!binary aGVsbG8=\nc: !!set { x }\n',
    ]
    for (const text of documents) expect(checkFuzzCase(text).failure).toBeNull()
  })
})
