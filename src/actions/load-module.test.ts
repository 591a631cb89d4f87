import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../util/index.js'
import { ActionModuleError, ActionRegistrationError } from './errors.js'
import { loadActionModule } from './load-module.js'
import { ActionRegistry, createActionRegistry } from './registry.js'
import type { ActionContext } from './types.js'

const FIXTURES = 'test/fixtures/actions'
const scratch = mkdtempSync(join(tmpdir(), 'trellis-load-module-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

/** Writes a module into a scratch directory; for files the repository's lint and typecheck must not see. */
function scratchModule(name: string, source: string): string {
  const file = join(scratch, name)
  writeFileSync(file, source)
  return file
}

// Plain JavaScript with all three export shapes. `tagged` carries `actionName` the way a module bundling its own
// copy of Trellis would (duck typing, no shared class). Kept out of test/fixtures because the lint config has no
// project for .mjs files.
const MIXED_MJS = `
export const tagged = Object.defineProperty((input) => ({ tagged: input }), 'actionName', { value: 'mixed.tagged' })
export function plain(input) { return { plain: input } }
export const notAFunction = 'ignored'
export default {
  'mixed.fromDefault': () => 'from default',
  'mixed.tagged': tagged, // the same function under its own name again: counts once
}
`

function context(overrides: Partial<ActionContext> = {}): ActionContext {
  return {
    signal: new AbortController().signal,
    attempt: 1,
    idempotencyKey: 'exec_1/step',
    executionId: 'exec_1',
    step: 'step',
    index: null,
    logger: silentLogger,
    ...overrides,
  }
}

async function loadError(path: string, registry = new ActionRegistry()): Promise<Error> {
  const error: unknown = await loadActionModule(path, registry).then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(error instanceof Error)) throw new Error(`expected ${path} to fail to load`)
  return error
}

describe('loadActionModule: export shapes', () => {
  it('registers a .ts module: defineAction exports under their own name, plain functions under the export name', async () => {
    const registry = new ActionRegistry()
    const names = await loadActionModule(`${FIXTURES}/marking.ts`, registry)

    expect(names.sort()).toEqual(['double', 'test.mark', 'whoami'])
    expect(registry.names()).toEqual(['double', 'test.mark', 'whoami'])
    expect(await registry.get('double')({ n: 21 }, context())).toBe(42)
    expect(await registry.get('test.mark')({ label: 'x' }, context({ attempt: 2 }))).toEqual({ line: 'x:2' })
    expect(await registry.get('whoami')(null, context({ idempotencyKey: 'exec_9/a/3' }))).toBe('exec_9/a/3')
  })

  it('skips exports that are not functions, and classes', async () => {
    const registry = new ActionRegistry()
    await loadActionModule(`${FIXTURES}/marking.ts`, registry)
    expect(registry.has('VERSION')).toBe(false)
    expect(registry.has('NotAnAction')).toBe(false)
  })

  it('registers a .mts module whose default export was made with defineAction, under its actionName', async () => {
    const registry = new ActionRegistry()
    const names = await loadActionModule(`${FIXTURES}/typed.mts`, registry)

    expect(names.sort()).toEqual(['billing.charge', 'billing.refund'])
    expect(await registry.get('billing.charge')({ id: 'o1', cents: 250 }, context())).toEqual({ receipt: 'r-o1-250' })
    expect(registry.originOf('billing.charge')).toBe(`${FIXTURES}/typed.mts#default`)
    expect(registry.originOf('billing.refund')).toBe(`${FIXTURES}/typed.mts#refund`)
  })

  it('registers a .js module whose default export maps names to functions, under its keys', async () => {
    const registry = new ActionRegistry()
    const names = await loadActionModule(`${FIXTURES}/default-object.js`, registry)

    expect(names.sort()).toEqual(['greet.hello', 'shout'])
    expect(await registry.get('greet.hello')({ name: 'Ada' }, context())).toBe('hello Ada')
    expect(await registry.get('shout')({ text: 'hi' }, context())).toBe('HI')
    expect(registry.originOf('greet.hello')).toBe(`${FIXTURES}/default-object.js#default.greet.hello`)
  })

  it('registers a .mjs module with all three shapes; actionName is found by duck typing; one function counts once', async () => {
    const path = scratchModule('mixed.mjs', MIXED_MJS)
    const registry = new ActionRegistry()
    const names = await loadActionModule(path, registry)

    expect(names.sort()).toEqual(['mixed.fromDefault', 'mixed.tagged', 'plain'])
    expect(await registry.get('mixed.tagged')(1, context())).toEqual({ tagged: 1 })
    expect(await registry.get('plain')(2, context())).toEqual({ plain: 2 })
    expect(await registry.get('mixed.fromDefault')(null, context())).toBe('from default')
    expect(registry.has('tagged')).toBe(false)
    expect(registry.has('notAFunction')).toBe(false)
  })

  it('reads a CommonJS .js module: module.exports is the default object; constants are skipped', async () => {
    mkdirSync(join(scratch, 'cjs'), { recursive: true })
    writeFileSync(join(scratch, 'cjs', 'package.json'), '{ "type": "commonjs" }')
    const path = scratchModule('cjs/actions.js', 'function hi() { return "hi" }\nmodule.exports = { hi, LIMIT: 3 }\n')
    const registry = new ActionRegistry()
    expect(await loadActionModule(path, registry)).toEqual(['hi'])
    expect(await registry.get('hi')(null, context())).toBe('hi')
  })

  it('resolves a relative path against the current directory', async () => {
    const path = relative(process.cwd(), scratchModule('relative.mjs', 'export const rel = () => "rel"'))
    const registry = new ActionRegistry()
    expect(await loadActionModule(path, registry)).toEqual(['rel'])
  })

  it('adds to a registry that holds the built-ins', async () => {
    const registry = createActionRegistry()
    await loadActionModule(`${FIXTURES}/default-object.js`, registry)
    expect(registry.has('shell')).toBe(true)
    expect(registry.has('shout')).toBe(true)
  })
})

describe('loadActionModule: clear errors', () => {
  it('a missing file: names the path, where it looked, and that relative paths start from the current directory', async () => {
    const error = await loadError(`${FIXTURES}/nope.ts`)
    expect(error).toBeInstanceOf(ActionModuleError)
    expect(error).toMatchObject({ code: 'INVALID_OPTION', file: `${FIXTURES}/nope.ts` })
    expect(error.message).toContain(`Cannot load actions from ${FIXTURES}/nope.ts: there is no such file`)
    expect(error.message).toContain(join(process.cwd(), FIXTURES, 'nope.ts'))
  })

  it('an unsupported extension: names the file and the supported ones', async () => {
    const error = await loadError(`${FIXTURES}/actions.cjs`)
    expect(error).toMatchObject({ code: 'INVALID_OPTION' })
    expect(error.message).toBe(
      `Cannot load actions from ${FIXTURES}/actions.cjs: unsupported file type ".cjs". Give a .ts, .mts, .js or .mjs module.`,
    )
  })

  it('a TypeScript syntax error: names the file, line and column, without a stack', async () => {
    const path = scratchModule('broken.ts', 'export const ok = 1\n\nexport const broken: number = = 2\n')
    const error = await loadError(path)
    expect(error).toMatchObject({ code: 'INVALID_OPTION' })
    expect(error.message).toMatch(/^Cannot load actions from .*broken\.ts: syntax error: .*broken\.ts:3:\d+: ERROR: /)
    expect(error.message).toContain('Fix the file and try again.')
    expect(error.message).not.toContain('    at ')
  })

  it('a JavaScript syntax error: names the file and line, without a stack', async () => {
    const path = scratchModule('broken.mjs', 'export const ok = 1\n\nexport const broken = = 2\n')
    const error = await loadError(path)
    expect(error).toMatchObject({ code: 'INVALID_OPTION' })
    expect(error.message).toBe(
      `Cannot load actions from ${path}: syntax error at ${path}:3: Unexpected token '='. Fix the file and try again.`,
    )
  })

  it('top-level code that throws: says so and quotes the error', async () => {
    const error = await loadError(`${FIXTURES}/throws.js`)
    expect(error.message).toBe(
      `Cannot load actions from ${FIXTURES}/throws.js: it threw while loading: Error: the database URL is not set. ` +
        `Fix the module's top-level code.`,
    )
    expect((error.cause as Error).message).toBe('the database URL is not set')
  })

  it('an import that cannot be found: names the package and what to do', async () => {
    const error = await loadError(`${FIXTURES}/missing-import.js`)
    expect(error.message).toContain("Cannot find package 'trellis-fixture-no-such-package'")
    expect(error.message).toContain('Install the missing package or fix the import.')
  })

  it('a module with no actions is refused', async () => {
    const error = await loadError(`${FIXTURES}/no-actions.js`)
    expect(error.message).toContain(`${FIXTURES}/no-actions.js exports no actions`)
  })

  it('a default-exported plain function is refused: it has no name', async () => {
    const error = await loadError(`${FIXTURES}/default-function.js`)
    expect(error).toBeInstanceOf(ActionModuleError)
    expect(error.message).toContain('the default export is a function without a name. Wrap it in defineAction')
  })

  it('an export under a reserved name is refused, naming the export', async () => {
    const error = await loadError(`${FIXTURES}/reserved.js`, createActionRegistry())
    expect(error).toBeInstanceOf(ActionRegistrationError)
    expect(error).toMatchObject({
      code: 'INVALID_OPTION',
      problem: 'reserved',
      origin: `${FIXTURES}/reserved.js#shell`,
    })
  })

  it('a name taken by another module: the error names both places; nothing of the second module is registered', async () => {
    const registry = new ActionRegistry()
    await loadActionModule(`${FIXTURES}/greet-a.js`, registry)
    const error = await loadError(`${FIXTURES}/greet-b.js`, registry)

    expect(error).toMatchObject({ code: 'INVALID_OPTION', problem: 'duplicate' })
    expect(error.message).toBe(
      `Action name "greet" is taken twice: by ${FIXTURES}/greet-a.js#greet and by ${FIXTURES}/greet-b.js#greet. ` +
        `Rename one of them.`,
    )
    expect(await registry.get('greet')(null, context())).toBe('a')
  })

  it('two exports of one module with the same name: the error names both exports', async () => {
    const path = scratchModule(
      'twice.mjs',
      `const tag = (fn, name) => Object.defineProperty(fn, 'actionName', { value: name })
export const first = tag(() => 1, 'same.name')
export const second = tag(() => 2, 'same.name')`,
    )
    const error = await loadError(path)
    expect(error.message).toContain(`by ${path}#first and by ${path}#second`)
  })
})

describe('loadActionModule: in a plain Node process', () => {
  // Vitest runs JavaScript imports through its own module runner; this checks the native import path users get.
  it('loads .mjs and .ts modules and reports a syntax error with its line, as under Vitest', () => {
    const entry = fileURLToPath(new URL('./index.ts', import.meta.url))
    const probe = scratchModule(
      'probe.mts',
      `import { ActionRegistry, loadActionModule } from ${JSON.stringify(entry)}
const out = {}
for (const path of process.argv.slice(2)) {
  try { out[path] = await loadActionModule(path, new ActionRegistry()) } catch (e) { out[path] = e.message }
}
console.log(JSON.stringify(out))`,
    )
    const mixed = scratchModule('plain-mixed.mjs', MIXED_MJS)
    const broken = scratchModule('plain-broken.mjs', 'export const ok = 1\nexport const broken = = 2\n')
    const args = ['--import', 'tsx', probe, mixed, broken, `${FIXTURES}/marking.ts`, `${FIXTURES}/throws.js`]
    const run = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 20_000 })

    expect(run.stderr).toBe('')
    expect(JSON.parse(run.stdout)).toEqual({
      [mixed]: ['plain', 'mixed.tagged', 'mixed.fromDefault'],
      [broken]: `Cannot load actions from ${broken}: syntax error at ${broken}:2: Unexpected token '='. Fix the file and try again.`,
      [`${FIXTURES}/marking.ts`]: ['double', 'test.mark', 'whoami'],
      [`${FIXTURES}/throws.js`]:
        `Cannot load actions from ${FIXTURES}/throws.js: it threw while loading: Error: the database URL is not set. ` +
        `Fix the module's top-level code.`,
    })
  })
})
