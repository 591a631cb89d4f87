import { DEFAULT_RETRY, type RetryPolicy, type StepSpec, type Workflow } from '../../src/definition/model.js'

/** A compact step description for tests: wire-like keys, defaults filled in. */
export interface TestStep {
  action?: string
  workflow?: string
  sleep?: string | number
  wait?: { signal: string; timeoutMs?: number }
  pause?: string
  with?: unknown
  needs?: string[]
  needs_any?: string[]
  when?: string
  for_each?: string
  concurrency?: number
  retry?: Partial<RetryPolicy>
  timeoutMs?: number
  publish?: Record<string, unknown>
  on_success?: string[]
  on_failure?: string[]
  on_complete?: string[]
  on_timeout?: string[]
}

/** Builds a model Workflow directly (no loader), for unit tests of the scheduler. */
export function testWorkflow(
  steps: Record<string, TestStep>,
  options: Partial<Pick<Workflow, 'failurePolicy' | 'timeoutMs' | 'outputs' | 'vars' | 'inputs' | 'name'>> = {},
): Workflow {
  const built: Record<string, StepSpec> = {}
  for (const [name, s] of Object.entries(steps)) {
    const base = {
      name,
      needs: s.needs ?? [],
      needsAny: s.needs_any ?? [],
      when: s.when ?? null,
      forEach: s.for_each ?? null,
      concurrency: s.concurrency ?? null,
      retry: { ...DEFAULT_RETRY, ...s.retry },
      timeoutMs: s.timeoutMs ?? null,
      publish: (s.publish ?? {}) as Record<string, never>,
      onSuccess: s.on_success ?? [],
      onFailure: s.on_failure ?? [],
      onComplete: s.on_complete ?? [],
      onTimeout: s.on_timeout ?? [],
      loc: null,
    }
    if (s.sleep !== undefined) built[name] = { ...base, kind: 'sleep', sleep: s.sleep }
    else if (s.wait !== undefined)
      built[name] = { ...base, kind: 'wait', signal: s.wait.signal, waitTimeoutMs: s.wait.timeoutMs ?? null }
    else if (s.pause !== undefined) built[name] = { ...base, kind: 'pause', reason: s.pause }
    else if (s.workflow !== undefined)
      built[name] = { ...base, kind: 'workflow', workflow: s.workflow, with: (s.with ?? {}) as never }
    else built[name] = { ...base, kind: 'action', action: s.action ?? 'core.noop', with: (s.with ?? {}) as never }
  }
  return {
    trellis: 1,
    name: options.name ?? 'test',
    description: null,
    inputs: options.inputs ?? {},
    vars: options.vars ?? {},
    outputs: options.outputs ?? {},
    failurePolicy: options.failurePolicy ?? 'fail_fast',
    timeoutMs: options.timeoutMs ?? null,
    steps: built,
    children: {},
    file: null,
  }
}
