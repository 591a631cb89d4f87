import { findNonJson } from '../util/index.js'
import type {
  ActionFunction,
  DefinedWorkflow,
  Duration,
  InputDeclaration,
  InputValues,
  RetryOptions,
  RunStepOptions,
  StepHandle,
  StepOptions,
  WaitOptions,
  WorkflowBuilder,
  WorkflowOptions,
} from './builder-types.js'
import type { StepKind, TemplateValue, Workflow } from './model.js'
import { DefinitionError, type Problem } from './problems.js'
import { validateDefinition } from './validate.js'

/**
 * The TypeScript builder (style.md example 3). It writes the definition in file shape and hands it to the same
 * validator as the YAML loader, so both produce the same {@link Workflow} and report the same problems.
 */

/**
 * Where a workflow made by {@link defineWorkflow} keeps the action functions its steps were given, by action
 * name. A non-enumerable property, so the workflow itself stays plain JSON; the engine registers them.
 */
export const WORKFLOW_ACTIONS: unique symbol = Symbol.for('trellis.workflowActions')

/** The action functions a workflow's builder steps were given (empty for workflows from files). */
export function workflowActions(workflow: Workflow): ReadonlyMap<string, ActionFunction> {
  const actions = (workflow as { readonly [WORKFLOW_ACTIONS]?: ReadonlyMap<string, ActionFunction> })[WORKFLOW_ACTIONS]
  return actions ?? new Map()
}

const STEP_KEYS = {
  needs: 'needs',
  needsAny: 'needs_any',
  when: 'when',
  publish: 'publish',
  onSuccess: 'on_success',
  onFailure: 'on_failure',
  onComplete: 'on_complete',
  onTimeout: 'on_timeout',
  with: 'with',
  forEach: 'for_each',
  concurrency: 'concurrency',
  retry: 'retry',
  timeout: 'timeout',
} as const satisfies Record<keyof RunStepOptions, string>

const HANDLE_LISTS: ReadonlySet<string> = new Set([
  'needs',
  'needsAny',
  'onSuccess',
  'onFailure',
  'onComplete',
  'onTimeout',
])

const RETRY_KEYS = {
  maxAttempts: 'max_attempts',
  backoff: 'backoff',
  delay: 'delay',
  factor: 'factor',
  maxDelay: 'max_delay',
  jitter: 'jitter',
} as const satisfies Record<keyof RetryOptions, string>

function isHandle(value: unknown): value is StepHandle {
  return typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string'
}

/** Copies `source` with keys renamed by `names`; keys it does not know pass through, for the validator to report. */
function rename(source: object, names: Readonly<Record<string, string>>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue
    out[Object.hasOwn(names, key) ? names[key]! : key] = value
  }
  return out
}

function wireRetry(retry: unknown): unknown {
  if (retry === undefined) return undefined
  return typeof retry === 'object' && retry !== null && !Array.isArray(retry) ? rename(retry, RETRY_KEYS) : retry
}

/** Problem paths in builder spelling: `steps.x.needsAny[0]`, `defaults.retry.maxAttempts`. */
function camelPath(path: string): string {
  return path
    .replace(/^failure_policy\b/, 'failurePolicy')
    .replace(
      /^(steps\.[A-Za-z0-9_-]+\.)(needs_any|on_success|on_failure|on_complete|on_timeout|for_each)\b/,
      (_, head: string, key: string) => head + key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()),
    )
    .replace(
      /^((?:steps\.[A-Za-z0-9_-]+|defaults)\.retry\.)(max_attempts|max_delay)\b/,
      (_, head: string, key: string) => head + key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()),
    )
}

/**
 * Defines a workflow in TypeScript. The callback adds steps through `w`; each returns a handle that other steps
 * name in `needs`, `onFailure`, …, so a misspelled step is a compile error. Options use camelCase
 * (`failurePolicy`, `retry: { maxAttempts, delay: '200ms' }`). A function given as an action is registered
 * under its `actionName` (what `defineAction` sets) or as `<workflow>.<step>`; see {@link WORKFLOW_ACTIONS}.
 *
 * @returns the same {@link Workflow} a YAML file with these steps loads to (`file` null, `loc` null).
 * @throws DefinitionError with every problem, validated as a file would be (paths in builder spelling).
 *
 * @example
 * const order = defineWorkflow('order', { inputs: { amount: { type: 'number', default: 0 } } }, (w) => {
 *   const validate = w.action('validate', 'core.echo', { with: { value: w.input('amount') } })
 *   w.wait('approve', { signal: 'approval', timeout: '24h', needs: [validate] })
 * })
 */
export function defineWorkflow<const I extends Record<string, InputDeclaration> = Record<never, InputDeclaration>>(
  name: string,
  options: WorkflowOptions<I>,
  build: (w: WorkflowBuilder<I>) => void,
): DefinedWorkflow<InputValues<I>> {
  const steps: Record<string, Record<string, unknown>> = {}
  const outputs: Record<string, TemplateValue> = { ...options.outputs }
  const actions = new Map<string, ActionFunction>()
  const children = new Map<string, Workflow>()
  const problems: Problem[] = []

  const addAction = (actionName: string, fn: ActionFunction, path: string): void => {
    const known = actions.get(actionName)
    if (known !== undefined && known !== fn) {
      const message = `action "${actionName}" is given two different functions; give one of them another name`
      problems.push({ path, message, loc: null })
    }
    actions.set(actionName, fn)
  }

  const add = (
    step: string,
    kind: StepKind,
    body: Record<string, unknown>,
    stepOptions: object | undefined,
  ): StepHandle => {
    const wire: Record<string, unknown> = { ...body }
    for (const [key, value] of Object.entries(rename(stepOptions ?? {}, STEP_KEYS))) wire[key] = value
    for (const [camel, wireKey] of Object.entries(STEP_KEYS)) {
      const value = wire[wireKey]
      if (HANDLE_LISTS.has(camel) && Array.isArray(value)) {
        // A handle names its step; the validator reports names that are not steps of this workflow.
        wire[wireKey] = value.map((h: unknown) => (isHandle(h) ? h.name : h))
      }
    }
    if (wire.retry !== undefined) wire.retry = wireRetry(wire.retry)
    if (Object.hasOwn(steps, step)) {
      problems.push({ path: `steps.${step}`, message: `step "${step}" is defined twice`, loc: null })
    } else {
      Object.defineProperty(steps, step, { value: wire, enumerable: true, writable: true, configurable: true })
    }
    const handle: StepHandle = {
      name: step,
      kind,
      output: /^[A-Za-z_][A-Za-z0-9_]*$/.test(step)
        ? `{{ steps.${step}.output }}`
        : `{{ steps[${JSON.stringify(step)}].output }}`,
    }
    return handle
  }

  const builder: WorkflowBuilder<I> = {
    action: (step, action, stepOptions) => {
      let actionName: unknown = action
      if (typeof action === 'function') {
        const own = (action as { actionName?: unknown }).actionName
        actionName = typeof own === 'string' && own !== '' ? own : `${name}.${step}`
        addAction(actionName as string, action, `steps.${step}.action`)
      }
      return add(step, 'action', { action: actionName }, stepOptions) as never
    },
    workflow: (step, workflow, stepOptions) => {
      if (typeof workflow !== 'string') {
        // Carried along so the definition is complete (the engine looks in `children` before its registry), with
        // the action functions its own builder steps were given.
        const known = children.get(workflow.name)
        if (known !== undefined && known !== workflow) {
          problems.push({
            path: `steps.${step}.workflow`,
            message: `two different workflows are named "${workflow.name}"`,
            loc: null,
          })
        }
        children.set(workflow.name, workflow)
        for (const [actionName, fn] of workflowActions(workflow)) addAction(actionName, fn, `steps.${step}.workflow`)
      }
      return add(
        step,
        'workflow',
        { workflow: typeof workflow === 'string' ? workflow : workflow.name },
        stepOptions,
      ) as never
    },
    sleep: (step, duration: Duration, stepOptions?: StepOptions) =>
      add(step, 'sleep', { sleep: duration }, stepOptions) as never,
    wait: (step, waitOptions: WaitOptions) => {
      const { signal, timeout, ...rest } = waitOptions
      return add(step, 'wait', { wait: timeout === undefined ? { signal } : { signal, timeout } }, rest) as never
    },
    pause: (step, reason, stepOptions) => add(step, 'pause', { pause: reason }, stepOptions) as never,
    output: (output, value) => {
      Object.defineProperty(outputs, output, { value, enumerable: true, writable: true, configurable: true })
    },
    input: (input) =>
      /^[A-Za-z_][A-Za-z0-9_]*$/.test(input) ? `{{ inputs.${input} }}` : `{{ inputs[${JSON.stringify(input)}] }}`,
  }
  build(builder)

  const document: Record<string, unknown> = rename(
    {
      trellis: 1,
      name,
      description: options.description,
      inputs: options.inputs,
      vars: options.vars,
      outputs: Object.keys(outputs).length > 0 ? outputs : undefined,
      defaults:
        options.defaults === undefined
          ? undefined
          : rename({ retry: wireRetry(options.defaults.retry), timeout: options.defaults.timeout }, {}),
      failurePolicy: options.failurePolicy,
      timeout: options.timeout,
      steps,
    },
    { failurePolicy: 'failure_policy' },
  )

  const notJson = findNonJson(document, '$')
  if (notJson !== null) {
    problems.push({
      path: notJson.replace(/^\$\.?/, ''),
      message: 'not plain JSON (a function, undefined, a class instance, a cycle?)',
      loc: null,
    })
  }
  const result = notJson === null ? validateDefinition(document) : { problems: [], workflow: null }
  const all = [...problems, ...result.problems.map((p) => ({ ...p, path: camelPath(p.path) }))]
  if (all.length > 0 || result.workflow === null) throw new DefinitionError(all, `workflow "${name}"`)
  const workflow = { ...result.workflow, children: Object.fromEntries(children) }
  Object.defineProperty(workflow, WORKFLOW_ACTIONS, {
    value: actions,
    enumerable: false,
  })
  return workflow
}
