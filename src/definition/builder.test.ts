import { readFileSync } from 'node:fs'
import { describe, expect, expectTypeOf, it } from 'vitest'
import type { JsonValue } from '../util/index.js'
import { defineWorkflow, WORKFLOW_ACTIONS, workflowActions } from './builder.js'
import type { StepHandle, StepOutput, WorkflowInputs } from './builder-types.js'
import { loadWorkflow } from './load.js'
import type { Workflow } from './model.js'
import { DefinitionError } from './problems.js'

// style.md example 3: the builder produces the same model as YAML and goes through the same validator.

/** The model without where it was written: `file` and every step's `loc`. */
function withoutSource(workflow: Workflow): unknown {
  return {
    ...workflow,
    file: null,
    steps: Object.fromEntries(Object.entries(workflow.steps).map(([name, step]) => [name, { ...step, loc: null }])),
  }
}

function orderPipeline() {
  return defineWorkflow(
    'order-pipeline',
    {
      description: 'Validate, charge and notify.',
      inputs: {
        order_id: { type: 'string', required: true },
        amount: { type: 'number', default: 0 },
        items: { type: 'array', default: [] },
      },
      vars: { charged: false, total: 0 },
      defaults: { timeout: '30s', retry: { maxAttempts: 3, backoff: 'exponential', delay: '200ms', maxDelay: '5s' } },
      failurePolicy: 'fail_fast',
      timeout: '1h',
    },
    (w) => {
      const validate = w.action('validate', 'core.echo', {
        with: { value: { ok: true, total: '{{ inputs.amount * 2 }}' } },
        publish: { total: '{{ result.total }}' },
      })
      const refund = w.action('refund', 'core.noop')
      const charge = w.action('charge', 'core.echo', {
        needs: [validate],
        when: '{{ vars.total > 0 }}',
        with: { value: `charged ${w.input('order_id')}` },
        publish: { charged: true },
        onFailure: [refund],
      })
      const pack = w.action('pack', 'core.echo', {
        needs: [validate],
        forEach: w.input('items'),
        concurrency: 4,
        with: { value: '{{ index }}:{{ item }}' },
      })
      const approve = w.wait('approve', { needs: [charge, pack], signal: 'approval', timeout: '24h' })
      const notify = w.action('notify', 'core.echo', {
        needs: [approve],
        with: { value: 'approved by {{ steps.approve.output.by }}' },
      })
      w.output('message', notify.output)
      w.output('charged', '{{ vars.charged }}')
    },
  )
}

describe('defineWorkflow', () => {
  it('produces the same model as the equivalent YAML (the spec example), apart from file and loc', () => {
    const text = readFileSync(new URL('./fixtures/order-pipeline.yaml', import.meta.url), 'utf8')
    const fromYaml = loadWorkflow({ text, file: 'order.yaml' })
    const built = orderPipeline()
    expect(withoutSource(built)).toEqual(withoutSource(fromYaml))
    expect(built.file).toBeNull()
    expect(Object.values(built.steps).every((step) => step.loc === null)).toBe(true)
  })

  it('produces plain JSON: the action functions are out of sight under WORKFLOW_ACTIONS', () => {
    const shout = Object.assign(async (input: { text: string }) => ({ loud: input.text.toUpperCase() }), {
      actionName: 'text.shout',
    })
    const whisper = (input: { text: string }): string => input.text.toLowerCase()
    const workflow = defineWorkflow('voices', {}, (w) => {
      const a = w.action('a', shout, { with: { text: 'hi' } })
      w.action('b', whisper, { needs: [a], with: { text: 'HI' } })
      w.action('c', shout)
    })
    expect(workflow.steps.a).toMatchObject({ kind: 'action', action: 'text.shout' })
    expect(workflow.steps.b).toMatchObject({ kind: 'action', action: 'voices.b' })
    expect(workflowActions(workflow)).toEqual(
      new Map<string, unknown>([
        ['text.shout', shout],
        ['voices.b', whisper],
      ]),
    )
    expect((workflow as { [WORKFLOW_ACTIONS]?: unknown })[WORKFLOW_ACTIONS]).toBe(workflowActions(workflow))
    expect(Object.keys(workflow)).not.toContain(WORKFLOW_ACTIONS)
    expect(JSON.parse(JSON.stringify(workflow))).toEqual({ ...workflow })
    expect(workflowActions(orderPipeline()).size).toBe(0)
  })

  it('throws DefinitionError with every problem, without locations and in builder spelling', () => {
    const build = (): Workflow =>
      defineWorkflow('Bad Name', { defaults: { retry: { maxAttempts: 0 } } }, (w) => {
        const a = w.action('a', 'core.echo', { retry: { maxDelay: 'soon' }, when: 'always' })
        w.sleep('b', 'a while', { needsAny: [a] })
        w.action('a', 'core.noop')
        w.action('c', 'core.echo', { forEach: 'inputs.items', with: { at: '{{ inputs.when }}' } })
      })
    expect(build).toThrow(DefinitionError)
    let error: DefinitionError | undefined
    try {
      build()
    } catch (caught) {
      error = caught as DefinitionError
    }
    expect(error!.problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'steps.a: step "a" is defined twice',
      'name: must start with a lowercase letter or digit and hold only a-z, 0-9, _, . and - ([a-z0-9][a-z0-9_.-]*)',
      'defaults.retry.maxAttempts: must be at least 1 (1 means no retry)',
      'steps.a.retry.maxDelay: expected a duration like 250ms, 30s, 5m, 2h, 1d or 1h30m, or a number of seconds',
      'steps.a.when: must be a single {{ }} template giving true or false, like "{{ always }}"',
      'steps.b.sleep: expected a duration like 250ms, 30s, 5m, 2h, 1d or 1h30m, or a number of seconds, or a {{ }} template giving one',
      'steps.c.forEach: must be a list or a single {{ }} template giving one, like "{{ inputs.items }}"',
      'steps.c.with.at: input "when" is not declared; the workflow declares no inputs',
    ])
    expect(error!.problems.every((p) => p.loc === null)).toBe(true)
    expect(error!.message.split('\n')[0]).toBe('workflow "Bad Name": 8 problems')
  })

  it('refuses two different functions under one action name', () => {
    const one = Object.assign(() => 1, { actionName: 'same' })
    const two = Object.assign(() => 2, { actionName: 'same' })
    expect(() =>
      defineWorkflow('twice', {}, (w) => {
        w.action('a', one)
        w.action('b', two)
      }),
    ).toThrow(/steps\.b\.action: action "same" is given two different functions/)
  })

  it('refuses values that are not JSON', () => {
    expect(() =>
      defineWorkflow('dates', {}, (w) => {
        w.action('a', 'core.echo', { with: { when: new Date(0) as unknown as JsonValue } })
      }),
    ).toThrow(/steps\.a\.with\.when: not plain JSON/)
  })

  it('names child workflows by name, by workflow (carried in children, with its action functions), or by file path', () => {
    const inspect = (): string => 'looked'
    const child = defineWorkflow('child', {}, (w) => {
      const look = w.action('look', inspect)
      w.pause('check', 'look at it', { needs: [look] })
    })
    const parent = defineWorkflow('parent', {}, (w) => {
      const a = w.workflow('a', child, { with: {} })
      const b = w.workflow('b', 'billing', { needs: [a], retry: { maxAttempts: 2 }, timeout: 10 })
      w.workflow('c', './child.yaml', { needs: [b] })
    })
    expect(parent.steps.a).toMatchObject({ kind: 'workflow', workflow: 'child' })
    expect(parent.steps.b).toMatchObject({ workflow: 'billing', retry: { maxAttempts: 2 }, timeoutMs: 10_000 })
    expect(parent.steps.c).toMatchObject({ workflow: './child.yaml' })
    expect(parent.children).toEqual({ child })
    expect(workflowActions(parent)).toEqual(new Map([['child.look', inspect]]))
  })

  it('gives handles whose output is a template reading the step', () => {
    defineWorkflow('handles', {}, (w) => {
      expect(w.sleep('nap', '1s').output).toBe('{{ steps.nap.output }}')
      expect(w.pause('my-step', 'why')).toMatchObject({
        name: 'my-step',
        kind: 'pause',
        output: '{{ steps["my-step"].output }}',
      })
    })
  })
})

/** Never run: tsc checks these lines (src/**\/*.test.ts is part of the typecheck). */
function typeChecks(): void {
  const workflow = defineWorkflow(
    'typed',
    { inputs: { order_id: { type: 'string' }, amount: { type: 'number', default: 0 }, note: { required: false } } },
    (w) => {
      const fetch = w.action('fetch', async (input: { id: string }) => ({ id: input.id, total: 5 }))
      expectTypeOf(fetch).toEqualTypeOf<StepHandle<'fetch', { id: string; total: number }>>()
      expectTypeOf<StepOutput<typeof fetch>>().toEqualTypeOf<{ id: string; total: number }>()
      w.action('next', 'core.echo', { needs: [fetch] })
      // @ts-expect-error steps are named by their handle, so a string (a possible typo) does not compile
      w.action('typo', 'core.echo', { needs: ['fetch'] })
      // @ts-expect-error sleep steps make no attempts: no retry
      w.sleep('nap', '1s', { retry: { maxAttempts: 2 } })
      // @ts-expect-error pause steps have no with
      w.pause('hold', 'why', { with: {} })
      w.input('amount')
      // @ts-expect-error only declared inputs
      w.input('amout')
    },
  )
  const good: WorkflowInputs<typeof workflow> = { order_id: 'o-1', amount: 5 }
  const minimal: WorkflowInputs<typeof workflow> = { order_id: 'o-1' }
  // @ts-expect-error amount is a number
  const wrongType: WorkflowInputs<typeof workflow> = { order_id: 'o-1', amount: 'five' }
  // @ts-expect-error order_id is required
  const missing: WorkflowInputs<typeof workflow> = { amount: 1 }
  expectTypeOf(workflow).toMatchTypeOf<Workflow>()
  void [good, minimal, wrongType, missing]
}

describe('builder types', () => {
  it('are checked by tsc (see typeChecks in this file)', () => {
    expect(typeof typeChecks).toBe('function')
  })
})
