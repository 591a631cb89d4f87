import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { checkWorkflow, loadWorkflow, type LoadOptions } from './load.js'
import { DEFAULT_RETRY } from './model.js'
import { DefinitionError, formatProblems, type Problem } from './problems.js'

// workflow-format.md, "Top level": every key's rule, and "every problem at once, with file, line and column".

/** Removes the indentation common to all lines (and a leading newline), so YAML can be written inline. */
function yaml(text: string): string {
  const lines = text.replace(/^\n/, '').split('\n')
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => l.match(/^ */)![0].length))
  return lines.map((l) => l.slice(indent)).join('\n')
}

const KNOWN: LoadOptions = { isKnownAction: (name) => ['core.echo', 'core.noop'].includes(name) }

function problems(text: string, options: LoadOptions = {}): Problem[] {
  return checkWorkflow({ text: yaml(text), file: 'w.yaml' }, options)
}

/** `path @ line:column: message`, the parts tests compare. */
function brief(list: readonly Problem[]): string[] {
  return list.map((p) => `${p.path} @ ${p.loc?.line ?? '-'}:${p.loc?.column ?? '-'}: ${p.message}`)
}

/** Lines 1-5; tests append keys of the step `greet` (6 spaces) or top-level keys after it. */
const MINIMAL = 'trellis: 1\nname: hello\nsteps:\n  greet:\n    action: core.echo'

describe('the complete example', () => {
  const text = readFileSync(new URL('./fixtures/order-pipeline.yaml', import.meta.url), 'utf8')

  it('loads the spec example without problems when core.echo and core.noop are known', () => {
    expect(checkWorkflow({ text, file: 'order.yaml' }, KNOWN)).toEqual([])
    const workflow = loadWorkflow({ text, file: 'order.yaml' }, KNOWN)
    expect(Object.keys(workflow.steps)).toEqual(['validate', 'charge', 'refund', 'pack', 'approve', 'notify'])
    expect(workflow.file).toBe('order.yaml')
  })

  it('resolves the example into the model: durations in ms, defaults merged, required resolved', () => {
    const workflow = loadWorkflow({ text, file: 'order.yaml' }, KNOWN)
    expect(workflow).toMatchObject({
      trellis: 1,
      name: 'order-pipeline',
      description: 'Validate, charge and notify.',
      failurePolicy: 'fail_fast',
      timeoutMs: 3_600_000,
      vars: { charged: false, total: 0 },
      outputs: { message: '{{ steps.notify.output }}', charged: '{{ vars.charged }}' },
      children: {},
    })
    expect(workflow.inputs).toEqual({
      order_id: { type: 'string', required: true, description: null },
      amount: { type: 'number', required: false, default: 0, description: null },
      items: { type: 'array', required: false, default: [], description: null },
    })
    const retry = { maxAttempts: 3, backoff: 'exponential', delayMs: 200, factor: 2, maxDelayMs: 5_000, jitter: false }
    expect(workflow.steps.charge).toMatchObject({
      kind: 'action',
      action: 'core.echo',
      needs: ['validate'],
      when: '{{ vars.total > 0 }}',
      retry,
      timeoutMs: 30_000,
      publish: { charged: true },
      onFailure: ['refund'],
      loc: { file: 'order.yaml', line: 21, column: 3 },
    })
    expect(workflow.steps.pack).toMatchObject({ forEach: '{{ inputs.items }}', concurrency: 4 })
    expect(workflow.steps.approve).toMatchObject({
      kind: 'wait',
      signal: 'approval',
      waitTimeoutMs: 86_400_000,
      retry: DEFAULT_RETRY,
      timeoutMs: null,
    })
    expect(JSON.parse(JSON.stringify(workflow))).toEqual(workflow)
  })
})

describe('top level', () => {
  it('loads a minimal workflow: trellis, name and one step', () => {
    expect(problems(MINIMAL)).toEqual([])
  })

  it('requires trellis: 1, pointing at the top of the file', () => {
    expect(brief(problems('name: hello\nsteps:\n  a: { action: x }\n'))).toEqual([
      ' @ 1:1: missing "trellis: 1" (the format version)',
    ])
  })

  it('rejects another format version, pointing at its value', () => {
    expect(brief(problems(MINIMAL.replace('trellis: 1', 'trellis: 2')))).toEqual([
      'trellis @ 1:10: unsupported format version 2; this Trellis reads version 1',
    ])
  })

  it('requires a name', () => {
    expect(brief(problems('trellis: 1\nsteps:\n  a: { action: x }\n'))).toEqual([' @ 1:1: missing required key "name"'])
  })

  it('rejects a name outside [a-z0-9][a-z0-9_.-]*', () => {
    for (const name of ['Hello', '-x', 'a b', '_x', '"é"']) {
      expect(brief(problems(MINIMAL.replace('name: hello', `name: ${name}`)))[0]).toMatch(
        /^name @ 2:7: must start with a lowercase/,
      )
    }
    for (const name of ['a', '"0"', 'order-pipeline', 'billing.v2', 'a_b']) {
      expect(problems(MINIMAL.replace('name: hello', `name: ${name}`))).toEqual([])
    }
  })

  it('rejects a description that is not text', () => {
    expect(brief(problems(`${MINIMAL}\ndescription: [a]`))).toEqual([
      'description @ 6:14: expected a string, got a list',
    ])
  })

  it('rejects unknown top-level keys, with a suggestion', () => {
    expect(brief(problems(`${MINIMAL}\nfailure_polcy: continue\nfoo: 1`))).toEqual([
      'failure_polcy @ 6:1: unknown key "failure_polcy" (did you mean "failure_policy"?)',
      'foo @ 7:1: unknown key "foo"',
    ])
  })

  it('reports a misspelled required key once, as unknown with a suggestion', () => {
    expect(brief(problems('trellis: 1\nname: x\nstesp:\n  a: { action: x }\n'))).toEqual([
      'stesp @ 3:1: unknown key "stesp" (did you mean "steps"?)',
    ])
  })

  it('requires steps, a mapping with at least one step', () => {
    expect(brief(problems('trellis: 1\nname: x\n'))).toEqual([' @ 1:1: missing required key "steps"'])
    expect(brief(problems('trellis: 1\nname: x\nsteps: {}\n'))).toEqual([
      'steps @ 3:8: a workflow needs at least one step',
    ])
    expect(brief(problems('trellis: 1\nname: x\nsteps: [a]\n'))).toEqual([
      'steps @ 3:8: expected a mapping of step names to steps, got a list',
    ])
  })

  it('rejects a file that is empty or not a mapping', () => {
    expect(brief(problems(''))).toEqual([
      ' @ 1:1: the definition is empty: a workflow needs at least trellis: 1, a name and steps',
    ])
    expect(brief(problems('- a\n- b\n'))).toEqual([
      ' @ 1:1: expected a mapping with trellis, name and steps, got a list',
    ])
  })

  it('accepts failure_policy fail_fast (the default) or continue, nothing else', () => {
    expect(loadWorkflow({ text: yaml(MINIMAL), file: null }).failurePolicy).toBe('fail_fast')
    expect(loadWorkflow({ text: yaml(`${MINIMAL}\nfailure_policy: continue`), file: null }).failurePolicy).toBe(
      'continue',
    )
    expect(brief(problems(`${MINIMAL}\nfailure_policy: fail-fast`))).toEqual([
      'failure_policy @ 6:17: expected "fail_fast" or "continue", got "fail-fast" (did you mean "fail_fast"?)',
    ])
  })

  it('resolves the execution timeout to ms, null when absent', () => {
    expect(loadWorkflow({ text: yaml(MINIMAL), file: null }).timeoutMs).toBeNull()
    expect(loadWorkflow({ text: yaml(`${MINIMAL}\ntimeout: 1h30m`), file: null }).timeoutMs).toBe(5_400_000)
  })
})

describe('inputs', () => {
  const withInputs = (inputs: string): string => `trellis: 1\nname: x\ninputs:\n${inputs}\nsteps:\n  a: { action: x }\n`

  it('resolves required: true without a default, false with one, and keeps an explicit value', () => {
    const workflow = loadWorkflow({
      text: withInputs(
        '  a: { type: string }\n  b: { default: 1 }\n  c: { required: false }\n  d: { required: true, default: 2 }',
      ),
      file: null,
    })
    expect(workflow.inputs).toEqual({
      a: { type: 'string', required: true, description: null },
      b: { type: 'any', required: false, default: 1, description: null },
      c: { type: 'any', required: false, description: null },
      d: { type: 'any', required: true, default: 2, description: null },
    })
  })

  it('rejects an input type outside the enum, with a suggestion', () => {
    expect(brief(problems(withInputs('  a: { type: strng }')))).toEqual([
      'inputs.a.type @ 4:14: expected "string", "number", "integer", "boolean", "object", "array" or "any", got "strng" (did you mean "string"?)',
    ])
  })

  it('rejects a default that does not match the declared type (integer means a whole number)', () => {
    expect(
      brief(
        problems(
          withInputs(
            '  a: { type: integer, default: 1.5 }\n  b: { type: object, default: [] }\n  c: { type: number, default: "1" }',
          ),
        ),
      ),
    ).toEqual([
      'inputs.a.default @ 4:32: must be an integer (the declared type), got 1.5',
      'inputs.b.default @ 5:31: must be an object (the declared type), got a list',
      'inputs.c.default @ 6:31: must be a number (the declared type), got "1"',
    ])
    expect(problems(withInputs('  a: { type: integer, default: 2 }\n  b: { type: string, default: null }'))).toEqual([])
  })

  it('rejects unknown keys in an input spec and input names outside [A-Za-z_][A-Za-z0-9_-]*', () => {
    expect(brief(problems(withInputs('  a: { typ: string }\n  1x: {}')))).toEqual([
      'inputs.a.typ @ 4:8: unknown key "typ" (did you mean "type"?)',
      'inputs.1x @ 5:3: invalid input name "1x": must start with a letter or _ and hold only letters, digits, _ and -',
    ])
  })
})

describe('defaults', () => {
  it('merges defaults.retry field by field under each action and workflow step, and never into sleep, wait or pause', () => {
    const workflow = loadWorkflow({
      text: yaml(`
        trellis: 1
        name: x
        defaults:
          timeout: 30s
          retry: { max_attempts: 3, delay: 200ms }
        steps:
          a: { action: x, retry: { backoff: constant } }
          b: { workflow: other, timeout: 5s, retry: { max_attempts: 1 } }
          c: { sleep: 1s }
          d: { wait: { signal: go } }
          e: { pause: why }
      `),
      file: null,
    })
    const steps = workflow.steps
    expect(steps.a).toMatchObject({
      retry: { ...DEFAULT_RETRY, maxAttempts: 3, delayMs: 200, backoff: 'constant' },
      timeoutMs: 30_000,
    })
    expect(steps.b).toMatchObject({ retry: { ...DEFAULT_RETRY, maxAttempts: 1, delayMs: 200 }, timeoutMs: 5_000 })
    for (const name of ['c', 'd', 'e']) expect(steps[name]).toMatchObject({ retry: DEFAULT_RETRY, timeoutMs: null })
  })

  it('rejects unknown keys in defaults', () => {
    expect(brief(problems(`${MINIMAL}\ndefaults: { timeout: 1s, retyr: {} }`))).toEqual([
      'defaults.retyr @ 6:26: unknown key "retyr" (did you mean "retry"?)',
    ])
  })
})

describe('vars and outputs', () => {
  it('keeps vars and outputs as written, templates included', () => {
    const workflow = loadWorkflow({
      text: yaml(
        `${MINIMAL}\ninputs: { n: {} }\nvars: { a: "{{ inputs.n }}", b: [1, { c: true }] }\noutputs: { o: "{{ steps.greet.output }}" }`,
      ),
      file: null,
    })
    expect(workflow.vars).toEqual({ a: '{{ inputs.n }}', b: [1, { c: true }] })
    expect(workflow.outputs).toEqual({ o: '{{ steps.greet.output }}' })
  })

  it('rejects names of vars and outputs outside [A-Za-z_][A-Za-z0-9_-]*', () => {
    expect(brief(problems(`${MINIMAL}\nvars: { "a b": 1 }\noutputs: { "2x": 1 }`))).toEqual([
      'vars["a b"] @ 6:9: invalid name "a b": must start with a letter or _ and hold only letters, digits, _ and -',
      'outputs.2x @ 7:12: invalid name "2x": must start with a letter or _ and hold only letters, digits, _ and -',
    ])
  })
})

describe('YAML itself', () => {
  it('reports YAML syntax errors with their line and column, and nothing else', () => {
    expect(brief(problems('trellis: 1\nname: x\nsteps:\n  a: { action: x\n'))).toEqual([
      ' @ 5:1: YAML: Flow map in block collection must be sufficiently indented and end with a }',
    ])
  })

  it('reports a duplicate key at its second occurrence', () => {
    expect(brief(problems(`${MINIMAL}\n  greet: { action: y }\nname: other`))).toEqual([
      'steps.greet @ 6:3: duplicate key "greet"; each key may appear once',
      'name @ 7:1: duplicate key "name"; each key may appear once',
    ])
  })

  it('reports an alias to no anchor, and an alias inside its own anchor', () => {
    expect(brief(problems(`${MINIMAL}\n    with: *nope`))).toEqual([
      'steps.greet.with @ 6:11: alias *nope refers to no anchor &nope before it',
    ])
    expect(brief(problems(`${MINIMAL}\n    with: &a { x: [*a] }`))).toEqual([
      'steps.greet.with.x[0] @ 6:20: alias *a is inside the value it refers to',
    ])
  })

  it('expands aliases to anchors written before them', () => {
    const workflow = loadWorkflow({
      text: yaml(`${MINIMAL}\n    with: &v { x: 1 }\n  again: { action: core.echo, with: *v }`),
      file: null,
    })
    expect(workflow.steps.again).toMatchObject({ with: { x: 1 } })
  })

  it('explains that YAML merge keys (<<) are not supported', () => {
    expect(brief(problems(`${MINIMAL}\n    <<: { with: 1 }`))).toEqual([
      'steps.greet["<<"] @ 6:5: merge keys (<<) are not supported; write the keys out (aliases like *name work)',
    ])
  })

  it('refuses a billion-laughs document instead of expanding it', () => {
    const laughs = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
    for (let i = 1; i < 9; i++) {
      const name = String.fromCharCode(97 + i)
      laughs.push(
        `${name}: &${name} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(', ')}]`,
      )
    }
    const list = problems(`${MINIMAL}\n    with:\n${laughs.map((l) => `      ${l}`).join('\n')}`)
    expect(list).toHaveLength(1)
    expect(list[0]!.message).toMatch(/^aliases expand to more than 10000 values/)
  })

  it('refuses nesting deeper than 64 levels without overflowing the stack', () => {
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`
    expect(brief(problems(`${MINIMAL}\n    with: ${deep}`))).toEqual([' @ 6:72: nested deeper than 64 levels'])
    expect(problems(`${MINIMAL}\n    with: ${'['.repeat(50)}1${']'.repeat(50)}`)).toEqual([])
  })

  it('reports values JSON cannot hold and unknown tags', () => {
    expect(brief(problems(`${MINIMAL}\n    with: { a: .inf }`))).toEqual([
      'steps.greet.with.a @ 6:16: Infinity is not a number JSON can hold',
    ])
    expect(brief(problems(`${MINIMAL}\n    with: !thing x`))).toEqual([' @ 6:11: YAML: Unresolved tag: !thing'])
  })

  it('refuses a second YAML document in the file', () => {
    expect(brief(problems(`${MINIMAL}\n---\nname: two`))).toEqual([
      ' @ 6:1: a workflow file holds one YAML document; remove the second one (after "---")',
    ])
  })

  it('reads JSON, with line and column in problems', () => {
    const text =
      '{\n  "trellis": 1,\n  "name": "x",\n  "steps": {\n    "a": { "action": "x", "needs": ["b"] }\n  }\n}\n'
    expect(brief(checkWorkflow({ text, file: 'w.json' }))).toEqual([
      'steps.a.needs[0] @ 5:37: unknown step "b" (did you mean "a"?)',
    ])
  })

  it('keeps keys like __proto__ and constructor as plain data', () => {
    const workflow = loadWorkflow({
      text: yaml(
        `${MINIMAL}\n    with: { __proto__: { polluted: true } }\n  constructor: { action: x, needs: [greet] }`,
      ),
      file: null,
    })
    expect(Object.keys(workflow.steps)).toEqual(['greet', 'constructor'])
    expect(workflow.steps.greet).toMatchObject({ with: { ['__proto__']: { polluted: true } } })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(brief(problems(`${MINIMAL}\n    needs: [toString]`))).toEqual([
      'steps.greet.needs[0] @ 6:13: unknown step "toString"',
    ])
  })
})

describe('reporting', () => {
  it('collects every problem of a file at once, in the format the CLI prints', () => {
    const text = yaml(`
      trellis: 1
      name: order
      defaults:
        retry: { max_attemps: 3 }
      steps:
        validate:
          action: core.echo
        pack:
          needs: [approve]
          action: core.ecko
        approve:
          needs: [pack]
          wait: { signal: approval, timeout: 1 week }
        charge:
          needs: [validat]
          action: core.echo
          with: { total: "{{ inputs.amount * }}" }
    `)
    const list = checkWorkflow({ text, file: 'order.yaml' }, KNOWN)
    expect(formatProblems(list)).toBe(
      [
        'order.yaml: 6 problems',
        '  order.yaml:4:12   defaults.retry.max_attemps: unknown key "max_attemps" (did you mean "max_attempts"?)',
        '  order.yaml:10:13  steps.pack.action: unknown action "core.ecko" (did you mean "core.echo"?)',
        '  order.yaml:13:40  steps.approve.wait.timeout: expected a duration like 250ms, 30s, 5m, 2h, 1d or 1h30m, or a number of seconds',
        '  order.yaml:15:13  steps.charge.needs[0]: unknown step "validat" (did you mean "validate"?)',
        '  order.yaml:17:40  steps.charge.with.total: invalid template: the expression ends too early in {{ inputs.amount * }}',
        '  order.yaml:8:3    steps: cycle pack -> approve -> pack',
      ].join('\n'),
    )
    expect(() => loadWorkflow({ text, file: 'order.yaml' }, KNOWN)).toThrow(DefinitionError)
    try {
      loadWorkflow({ text, file: 'order.yaml' }, KNOWN)
    } catch (error) {
      expect(error).toMatchObject({ code: 'INVALID_DEFINITION', problems: list, message: formatProblems(list) })
    }
  })

  it('does not check action names when no isKnownAction is given', () => {
    expect(problems(MINIMAL.replace('core.echo', 'anything.at.all'))).toEqual([])
    expect(brief(problems(MINIMAL.replace('core.echo', 'core.ecko'), KNOWN))).toEqual([
      'steps.greet.action @ 5:13: unknown action "core.ecko" (did you mean "core.echo"?)',
    ])
  })
})
