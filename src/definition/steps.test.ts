import { describe, expect, it } from 'vitest'
import { checkWorkflow, loadWorkflow, type LoadOptions } from './load.js'
import { DEFAULT_RETRY, type StepSpec } from './model.js'
import type { Problem } from './problems.js'

// workflow-format.md, "Steps": kinds, modifiers, references, cycles, retry, and where each problem points.

const HEAD = 'trellis: 1\nname: x\nsteps:\n'

/** Problems of a workflow whose steps start on line 4 (each `steps` line is indented by two spaces here). */
function problems(steps: string, options: LoadOptions = {}): string[] {
  const text = HEAD + steps.replace(/^\n/, '')
  return checkWorkflow({ text, file: 'w.yaml' }, options).map(
    (p: Problem) => `${p.path} @ ${p.loc?.line ?? '-'}:${p.loc?.column ?? '-'}: ${p.message}`,
  )
}

function load(steps: string, options: LoadOptions = {}): Record<string, StepSpec> {
  return loadWorkflow({ text: HEAD + steps, file: null }, options).steps
}

describe('step kinds', () => {
  it('resolves each of the five kinds', () => {
    const steps = load(
      [
        '  a: { action: core.echo, with: { value: 1 } }',
        '  b: { workflow: ./child.yaml, with: { n: 1 } }',
        '  c: { sleep: 1m }',
        '  d: { wait: { signal: go, timeout: 2h } }',
        '  e: { pause: "check the numbers" }',
        '  f: { workflow: billing }',
      ].join('\n'),
    )
    expect(steps.a).toMatchObject({ kind: 'action', action: 'core.echo', with: { value: 1 } })
    expect(steps.b).toMatchObject({ kind: 'workflow', workflow: './child.yaml', with: { n: 1 } })
    expect(steps.c).toMatchObject({ kind: 'sleep', sleep: '1m' })
    expect(steps.d).toMatchObject({ kind: 'wait', signal: 'go', waitTimeoutMs: 7_200_000 })
    expect(steps.e).toMatchObject({ kind: 'pause', reason: 'check the numbers' })
    expect(steps.f).toMatchObject({ kind: 'workflow', workflow: 'billing', with: {} })
  })

  it('rejects a step with no kind, pointing at the step', () => {
    expect(problems('  a:\n    needs: []\n  b:\n')).toEqual([
      'steps.a @ 4:3: the step has no kind: give it one of action, workflow, sleep, wait or pause',
      'steps.b @ 6:3: the step is empty: give it one of action, workflow, sleep, wait or pause',
    ])
  })

  it('rejects a step with two kinds, pointing at the step', () => {
    expect(problems('  a:\n    action: x\n    sleep: 5s\n')).toEqual([
      'steps.a @ 4:3: the step has 2 kinds (action and sleep); keep exactly one of action, workflow, sleep, wait or pause',
    ])
  })

  it('reports a misspelled kind as an unknown key with a suggestion', () => {
    expect(problems('  a: { actoin: x }')).toEqual([
      'steps.a.actoin @ 4:8: unknown key "actoin" (did you mean "action"?)',
    ])
  })

  it('rejects a step that is not a mapping', () => {
    expect(problems('  a: run it')).toEqual([
      'steps.a @ 4:3: expected a step (a mapping with one of action, workflow, sleep, wait or pause), got "run it"',
    ])
  })

  it('rejects step names outside [A-Za-z_][A-Za-z0-9_-]*, pointing at the name', () => {
    expect(problems('  ok_Name-2: { action: x }\n  2fast: { action: x }\n  "a.b": { action: x }')).toEqual([
      'steps.2fast @ 5:3: invalid step name "2fast": must start with a letter or _ and hold only letters, digits, _ and -',
      'steps["a.b"] @ 6:3: invalid step name "a.b": must start with a letter or _ and hold only letters, digits, _ and -',
    ])
  })

  it('keeps steps in file order', () => {
    expect(Object.keys(load('  z: { action: x }\n  a: { action: x, needs: [z] }\n  m: { action: x }'))).toEqual([
      'z',
      'a',
      'm',
    ])
  })

  it('rejects unknown step keys, with a suggestion', () => {
    expect(problems('  a: { action: x, neds: [b] }\n  b: { action: x }')).toEqual([
      'steps.a.neds @ 4:19: unknown key "neds" (did you mean "needs"?)',
    ])
  })
})

describe('action and workflow steps', () => {
  const known: LoadOptions = { isKnownAction: (n) => n === 'core.echo', isKnownWorkflow: (n) => n === 'billing' }

  it('rejects unknown actions when the loader knows the registry, with a suggestion', () => {
    expect(problems('  a: { action: core.ecko }\n  b: { action: nothing.like.it }', known)).toEqual([
      'steps.a.action @ 4:16: unknown action "core.ecko" (did you mean "core.echo"?)',
      'steps.b.action @ 5:16: unknown action "nothing.like.it"',
    ])
  })

  it('rejects unknown registered workflows when the loader knows them; file paths are not asked about', () => {
    expect(
      problems('  a: { workflow: biling }\n  b: { workflow: ./x.yaml }\n  c: { workflow: ../y.yaml }', known),
    ).toEqual(['steps.a.workflow @ 4:18: unknown workflow "biling" (did you mean "billing"?)'])
  })

  it('rejects a workflow file named without ./ or ../, and a name that is neither', () => {
    expect(problems('  a: { workflow: child.yaml }\n  b: { workflow: "Not A Name" }')).toEqual([
      'steps.a.workflow @ 4:18: a workflow file must be named by a path starting with ./ or ../ (did you mean "./child.yaml"?)',
      'steps.b.workflow @ 5:18: "Not A Name" is neither a workflow name ([a-z0-9][a-z0-9_.-]*) nor a file path starting with ./ or ../',
    ])
  })

  it('gives with as written, and {} when absent', () => {
    const steps = load('  a: { action: x, with: [1, "{{ inputs }}"] }\n  b: { action: x }')
    expect(steps.a).toMatchObject({ with: [1, '{{ inputs }}'] })
    expect(steps.b).toMatchObject({ with: {} })
  })

  it('rejects an empty action name', () => {
    expect(problems('  a: { action: "" }')).toEqual(['steps.a.action @ 4:16: must not be empty'])
  })
})

describe('wait, sleep and pause steps', () => {
  it('requires wait.signal and rejects unknown keys in wait', () => {
    expect(problems('  a: { wait: { topic: go } }')).toEqual([
      'steps.a.wait.topic @ 4:16: unknown key "topic"',
      'steps.a.wait @ 4:8: missing required key "signal"',
    ])
  })

  it('rejects retry and timeout on sleep, wait and pause steps: they make no attempts', () => {
    expect(
      problems(
        '  a: { sleep: 1s, retry: { max_attempts: 2 } }\n  b: { wait: { signal: s }, timeout: 5s }\n  c: { pause: p, timeout: 1s }',
      ),
    ).toEqual([
      'steps.a.retry @ 4:19: retry is not allowed on a sleep step: sleep, wait and pause steps make no attempts',
      'steps.b.timeout @ 5:29: timeout is not allowed on a wait step: sleep, wait and pause steps make no attempts (to limit the wait, use wait.timeout)',
      'steps.c.timeout @ 6:18: timeout is not allowed on a pause step: sleep, wait and pause steps make no attempts',
    ])
  })

  it('rejects with, for_each and concurrency on sleep, wait and pause steps', () => {
    expect(problems('  a: { sleep: 1s, with: {} }\n  b: { pause: p, for_each: [1], concurrency: 2 }')).toEqual([
      'steps.a.with @ 4:19: with is only for action and workflow steps, not sleep steps',
      'steps.b.for_each @ 5:18: for_each is only for action and workflow steps, not pause steps',
      'steps.b.concurrency @ 5:33: concurrency is only for action and workflow steps, not pause steps',
    ])
  })

  it('rejects a pause reason that is not text', () => {
    expect(problems('  a: { pause: [x] }')).toEqual(['steps.a.pause @ 4:15: expected a string, got a list'])
  })
})

describe('references between steps', () => {
  it('rejects references to steps that do not exist in needs, needs_any and every transition, with suggestions', () => {
    expect(
      problems(
        [
          '  validate: { action: x }',
          '  a: { action: x, needs: [validat], needs_any: [validte] }',
          '  b: { action: x, on_success: [nope], on_failure: [a, valdate], on_complete: [x], on_timeout: [b2] }',
        ].join('\n'),
      ),
    ).toEqual([
      'steps.a.needs[0] @ 5:27: unknown step "validat" (did you mean "validate"?)',
      'steps.a.needs_any[0] @ 5:49: unknown step "validte" (did you mean "validate"?)',
      'steps.b.on_success[0] @ 6:32: unknown step "nope"',
      'steps.b.on_failure[1] @ 6:55: unknown step "valdate" (did you mean "validate"?)',
      'steps.b.on_complete[0] @ 6:79: unknown step "x" (did you mean "a"?)',
      'steps.b.on_timeout[0] @ 6:96: unknown step "b2" (did you mean "b"?)',
    ])
  })

  it('accepts a single step name where a list is expected', () => {
    const steps = load('  a: { action: x }\n  b: { action: x, needs: a, on_failure: c }\n  c: { action: x }')
    expect(steps.b).toMatchObject({ needs: ['a'], onFailure: ['c'] })
  })

  it('rejects a step listed twice and entries that are not names', () => {
    expect(problems('  a: { action: x }\n  b: { action: x, needs: [a, a, 3], on_success: 5 }')).toEqual([
      'steps.b.needs[1] @ 5:30: step "a" is listed twice',
      'steps.b.needs[2] @ 5:33: expected a step name, got 3',
      'steps.b.on_success @ 5:49: expected a step name or a list of step names, got 5',
    ])
  })

  it('names a cycle over needs as a path, pointing at its first step', () => {
    expect(
      problems('  a: { action: x, needs: [c] }\n  b: { action: x, needs: [a] }\n  c: { action: x, needs: [b] }'),
    ).toEqual(['steps @ 4:3: cycle a -> b -> c -> a'])
  })

  it('rejects a step that needs itself as a cycle', () => {
    expect(problems('  a: { action: x, needs_any: [a] }')).toEqual(['steps @ 4:3: cycle a -> a'])
  })

  it('finds cycles through transitions and needs_any too, one per group of steps', () => {
    expect(
      problems(
        [
          '  a: { action: x, on_failure: [b] }',
          '  b: { action: x, on_success: [a] }',
          '  c: { action: x, needs_any: [e] }',
          '  d: { action: x, needs_any: [c], on_complete: [e] }',
          '  e: { action: x }',
        ].join('\n'),
      ),
    ).toEqual(['steps @ 4:3: cycle a -> b -> a', 'steps @ 6:3: cycle c -> d -> e -> c'])
  })

  it('resolves transitions and needs_any into the model', () => {
    const steps = load(
      '  a: { action: x, on_success: [b], on_failure: [c], on_complete: [d], on_timeout: [e] }\n  b: { action: x }\n  c: { action: x }\n  d: { action: x, needs_any: [b, c] }\n  e: { action: x }',
    )
    expect(steps.a).toMatchObject({ onSuccess: ['b'], onFailure: ['c'], onComplete: ['d'], onTimeout: ['e'] })
    expect(steps.d).toMatchObject({ needsAny: ['b', 'c'] })
  })
})

describe('when, for_each and concurrency', () => {
  it('takes when as one {{ }} template or a literal boolean (kept as the equivalent template)', () => {
    const steps = load(
      '  a: { action: x, when: "{{ 1 > 0 }}" }\n  b: { action: x, when: false }\n  c: { sleep: 1s, when: true }',
    )
    expect(steps.a).toMatchObject({ when: '{{ 1 > 0 }}' })
    expect(steps.b).toMatchObject({ when: '{{ false }}' })
    expect(steps.c).toMatchObject({ when: '{{ true }}' })
  })

  it('rejects a when that is not a single template, suggesting one', () => {
    expect(
      problems(
        '  a: { action: x, when: "vars.n > 1" }\n  b: { action: x, when: "ok: {{ true }}" }\n  c: { action: x, when: 1 }',
      ),
    ).toEqual([
      'steps.a.when @ 4:25: must be a single {{ }} template giving true or false, like "{{ vars.n > 1 }}"',
      'steps.b.when @ 5:25: must be a single {{ }} template giving true or false',
      'steps.c.when @ 6:25: expected true, false or a {{ }} template, got 1',
    ])
  })

  it('takes for_each as one {{ }} template or a literal list (kept as the equivalent template)', () => {
    const steps = load(
      '  a: { action: x, for_each: "{{ [1, 2] }}", concurrency: 2 }\n  b: { workflow: w, for_each: [1, "two", { three: 3 }] }',
    )
    expect(steps.a).toMatchObject({ forEach: '{{ [1, 2] }}', concurrency: 2 })
    expect(steps.b).toMatchObject({ forEach: '{{ [1,"two",{"three":3}] }}', concurrency: null })
  })

  it('rejects a for_each that is neither a list nor a single template, and a literal list holding templates', () => {
    expect(
      problems(
        '  a: { action: x, for_each: "inputs.items" }\n  b: { action: x, for_each: 3 }\n  c: { action: x, for_each: ["{{ item }}"] }',
      ),
    ).toEqual([
      'steps.a.for_each @ 4:29: must be a list or a single {{ }} template giving one, like "{{ inputs.items }}"',
      'steps.b.for_each @ 5:29: expected a list or a {{ }} template giving one, got 3',
      'steps.c.for_each @ 6:29: a literal for_each list is not rendered and cannot hold "{{" or "}}"; write the whole list as one {{ }} template',
    ])
  })

  it('requires concurrency to be a positive integer, and only with for_each', () => {
    expect(
      problems(
        '  a: { action: x, for_each: [1], concurrency: 0 }\n  b: { action: x, for_each: [1], concurrency: 1.5 }\n  c: { action: x, concurrency: 2 }',
      ),
    ).toEqual([
      'steps.a.concurrency @ 4:47: must be at least 1',
      'steps.b.concurrency @ 5:47: expected a whole number',
      'steps.c.concurrency @ 6:19: concurrency only applies together with for_each',
    ])
  })
})

describe('retry', () => {
  it('resolves retry over the built-in defaults: 1 attempt, exponential from 1s, factor 2, no cap, no jitter', () => {
    const steps = load(
      '  a: { action: x }\n  b: { action: x, retry: { max_attempts: 5, backoff: linear, delay: 2s, factor: 3, max_delay: 1m, jitter: true } }',
    )
    expect(steps.a!.retry).toEqual(DEFAULT_RETRY)
    expect(steps.b!.retry).toEqual({
      maxAttempts: 5,
      backoff: 'linear',
      delayMs: 2_000,
      factor: 3,
      maxDelayMs: 60_000,
      jitter: true,
    })
  })

  it('rejects bad retry settings: max_attempts an integer >= 1, factor > 0, backoff from the enum, jitter a boolean', () => {
    expect(
      problems(
        '  a:\n    action: x\n    retry: { max_attempts: 0, factor: 0, backoff: expo, jitter: "yes", tries: 3 }\n  b: { action: x, retry: { max_attempts: 2.5 } }',
      ),
    ).toEqual([
      'steps.a.retry.max_attempts @ 6:28: must be at least 1 (1 means no retry)',
      'steps.a.retry.factor @ 6:39: must be greater than 0',
      'steps.a.retry.backoff @ 6:51: expected "constant", "linear" or "exponential", got "expo"',
      'steps.a.retry.jitter @ 6:65: expected true or false, got "yes"',
      'steps.a.retry.tries @ 6:72: unknown key "tries"',
      'steps.b.retry.max_attempts @ 7:42: expected a whole number of attempts',
    ])
  })

  it('requires max_delay >= delay, counting defaults.retry', () => {
    const text =
      'trellis: 1\nname: x\ndefaults: { retry: { delay: 10s } }\nsteps:\n  a: { action: x, retry: { max_delay: 5s } }\n  b: { action: x, retry: { delay: 1s, max_delay: 500ms } }\n'
    expect(
      checkWorkflow({ text, file: null }).map((p) => `${p.path} @ ${p.loc?.line}:${p.loc?.column}: ${p.message}`),
    ).toEqual([
      'steps.a.retry.max_delay @ 5:39: max_delay (5s) is shorter than delay (10s), counting defaults.retry',
      'steps.b.retry.max_delay @ 6:50: max_delay (500ms) is shorter than delay (1s)',
    ])
    const inDefaults =
      'trellis: 1\nname: x\ndefaults: { retry: { delay: 10s, max_delay: 1s } }\nsteps:\n  a: { action: x }\n'
    expect(checkWorkflow({ text: inDefaults, file: null }).map((p) => p.path)).toEqual(['defaults.retry.max_delay'])
  })
})

describe('publish', () => {
  it('keeps publish as written and rejects variable names outside the pattern', () => {
    expect(load('  a: { action: x, publish: { total: "{{ result.total }}", n: 1 } }').a).toMatchObject({
      publish: { total: '{{ result.total }}', n: 1 },
    })
    expect(problems('  a: { action: x, publish: { "bad name": 1 } }')).toEqual([
      'steps.a.publish["bad name"] @ 4:30: invalid name "bad name": must start with a letter or _ and hold only letters, digits, _ and - ([A-Za-z_][A-Za-z0-9_-]*)',
    ])
  })
})
