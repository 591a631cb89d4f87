import { describe, expect, it } from 'vitest'
import { checkWorkflow, loadWorkflow } from './load.js'

// workflow-format.md, "Templates and expressions", the definition-time part: "one that cannot be valid at all is a
// definition problem". Syntax errors point inside the string; names that cannot exist where the template is are
// problems too.

const HEAD = 'trellis: 1\nname: x\ninputs:\n  n: { type: number, default: 1 }\n  items: { default: [] }\n'

function problems(rest: string): string[] {
  return checkWorkflow({ text: HEAD + rest, file: 't.yaml' }).map(
    (p) => `${p.path} @ ${p.loc?.line ?? '-'}:${p.loc?.column ?? '-'}: ${p.message}`,
  )
}

describe('where templates may appear', () => {
  it('accepts templates in with, publish, outputs, vars (over inputs), when, for_each, sleep, wait.signal and pause', () => {
    const text = [
      'vars:',
      '  total: "{{ inputs.n * 2 }}"',
      'outputs:',
      '  result: "{{ steps.a.output }} {{ vars.total }} {{ vars.done }} {{ execution.id }} {{ inputs.n }}"',
      'steps:',
      '  a:',
      '    action: x',
      '    when: "{{ vars.total > 0 && steps.b.status == \'completed\' }}"',
      '    with: { v: "{{ attempt }}: {{ steps.b.error }} {{ execution.workflow }}", lit: "{{ \'{{\' }}" }',
      '    publish: { done: "{{ result.ok }}" }',
      '  b:',
      '    action: x',
      '    for_each: "{{ inputs.items }}"',
      '    with: "{{ item }} at {{ index }}"',
      '    publish: { last: "{{ result[size(result) - 1] }} {{ index }}" }',
      '  c: { sleep: "{{ inputs.n }}s" }',
      '  d: { wait: { signal: "approval-{{ execution.id }}" } }',
      '  e: { pause: "check {{ vars.last }}" }',
      '  my-step: { action: x, with: "{{ steps[\\"my-step\\"].output }}" }',
    ].join('\n')
    expect(problems(text)).toEqual([])
  })
})

describe('template syntax', () => {
  it('reports a syntax error at its line and column inside a plain scalar', () => {
    expect(problems('steps:\n  a:\n    action: x\n    with:\n      total: sum is {{ inputs.n * }} now\n')).toEqual([
      'steps.a.with.total @ 10:35: invalid template: the expression ends too early in {{ inputs.n * }}',
    ])
  })

  it('reports a syntax error at its line and column inside a quoted scalar', () => {
    expect(problems('steps:\n  a: { action: x, with: "ok {{ (inputs.n }}" }\n')).toEqual([
      'steps.a.with @ 7:42: invalid template: expected ")" but found the end of the expression in {{ (inputs.n }}',
    ])
  })

  it('points at the start of a block scalar holding a syntax error', () => {
    expect(problems('steps:\n  a:\n    action: x\n    with: |\n      line one\n      {{ inputs.n + }}\n')).toEqual([
      'steps.a.with @ 9:11: invalid template: the expression ends too early in {{ inputs.n + }}',
    ])
  })

  it('reports an unclosed {{', () => {
    expect(problems('steps:\n  a: { action: x, with: "{{ inputs.n" }\n')[0]).toMatch(
      /^steps\.a\.with @ 7:26: invalid template: /,
    )
  })
})

describe('names a template reads', () => {
  it('rejects an unknown root name', () => {
    expect(problems('steps:\n  a: { action: x, with: "{{ input.n }}" }\n')[0]).toMatch(
      /^steps\.a\.with @ 7:\d+: invalid template: unknown variable "input"/,
    )
  })

  it('rejects steps.X when there is no step X, with a suggestion, and fields a step does not have', () => {
    expect(problems('steps:\n  a: { action: x, with: "{{ steps.b.output }} {{ steps.a.outptu }}" }\n')).toEqual([
      'steps.a.with @ 7:29: unknown step "b" (did you mean "a"?)',
      'steps.a.with @ 7:29: steps.a has output, status and error, not "outptu" (did you mean "output"?)',
    ])
  })

  it('reads steps with - in their name through steps["my-step"]', () => {
    expect(
      problems('steps:\n  my-step: { action: x }\n  b: { action: x, with: "{{ steps[\\"my-stp\\"].output }}" }\n'),
    ).toEqual(['steps.b.with @ 8:29: unknown step "my-stp" (did you mean "my-step"?)'])
  })

  it('rejects inputs.X when X is not declared', () => {
    expect(problems('steps:\n  a: { action: x, with: "{{ inputs.m }}" }\n')).toEqual([
      'steps.a.with @ 7:29: input "m" is not declared (did you mean "n"?)',
    ])
    const noInputs = 'trellis: 1\nname: x\nsteps:\n  a: { action: x, with: "{{ inputs.m }}" }\n'
    expect(checkWorkflow({ text: noInputs, file: null }).map((p) => p.message)).toEqual([
      'input "m" is not declared; the workflow declares no inputs',
    ])
  })

  it('rejects vars.X when X is neither in vars nor published by a step', () => {
    expect(
      problems(
        'vars: { total: 0 }\nsteps:\n  a: { action: x, with: "{{ vars.totl }}", publish: { sum: 1 } }\n  b: { action: x, with: "{{ vars.sum }}" }\n',
      ),
    ).toEqual([
      'steps.a.with @ 8:29: variable "totl" is neither in vars nor published by a step (did you mean "total"?)',
    ])
  })

  it('rejects result outside publish', () => {
    expect(problems('outputs: { o: "{{ result }}" }\nsteps:\n  a: { action: x, with: "{{ result }}" }\n')).toEqual([
      'outputs.o @ 6:19: "result" (the step\'s output) exists only inside publish',
      'steps.a.with @ 8:29: "result" (the step\'s output) exists only inside publish',
    ])
  })

  it('rejects item and index outside the with and publish of a for_each step', () => {
    expect(
      problems(
        'steps:\n  a: { action: x, with: "{{ item }}" }\n  b: { action: x, for_each: [1], when: "{{ index > 0 }}" }\n  c: { sleep: "{{ item }}" }\n',
      ),
    ).toEqual([
      'steps.a.with @ 7:29: "item" exists only in the with and publish of a for_each step',
      'steps.b.when @ 8:44: "index" exists only in the with and publish of a for_each step',
      'steps.c.sleep @ 9:19: "item" exists only in the with and publish of a for_each step',
    ])
  })

  it('lets vars templates read only inputs', () => {
    expect(
      problems(
        'vars:\n  a: "{{ inputs.n }}"\n  b: "{{ vars.a }}"\n  c: "{{ steps.s.output }}"\nsteps:\n  s: { action: x }\n',
      ),
    ).toEqual([
      'vars.b @ 8:10: vars are set before any step runs, so their templates can read only inputs, not "vars"',
      'vars.c @ 9:10: vars are set before any step runs, so their templates can read only inputs, not "steps"',
    ])
  })

  it('lets outputs read inputs, vars, steps and execution, not attempt, item or index', () => {
    expect(
      problems('outputs:\n  a: "{{ attempt }}"\n  b: "{{ execution.name }}"\nsteps:\n  s: { action: x }\n'),
    ).toEqual([
      'outputs.a @ 7:10: "attempt" exists only in with and publish, while a step runs',
      'outputs.b @ 8:10: execution has id and workflow, not "name"',
    ])
  })

  it('keeps template sources as written in the model', () => {
    const workflow = loadWorkflow({
      text: `${HEAD}steps:\n  a: { action: x, with: { v: "{{ inputs.n }}" }, when: "{{ inputs.n > 0 }}" }\n`,
      file: null,
    })
    expect(workflow.steps.a).toMatchObject({ with: { v: '{{ inputs.n }}' }, when: '{{ inputs.n > 0 }}' })
  })
})
