// Helpers for the HTTP API tests: an engine on SQLite (memory or a temp file), the app, and test workflows.
import { createActionRegistry, type ActionRegistry } from '../../src/actions/index.js'
import { loadWorkflow, type Workflow } from '../../src/definition/index.js'
import type { Engine } from '../../src/engine/index.js'
import type { Store } from '../../src/store/index.js'
import { createApp, type AppOptions, type TrellisApp } from '../../src/server/index.js'
import { createTestEngine, type TestEngine } from '../../src/testing/index.js'

/** A workflow that completes at once. */
export const HELLO = `trellis: 1
name: hello
description: Greets.
inputs:
  name: { type: string, default: world }
steps:
  greet:
    action: core.echo
    with: { value: "Hello, {{ inputs.name }}!" }
  done:
    needs: [greet]
    action: core.noop
outputs:
  greeting: "{{ steps.greet.output }}"
`

/** A workflow that waits for the signal `go`, then echoes its data. */
export const GATED = `trellis: 1
name: gated
inputs:
  label: { type: string, default: x }
steps:
  first:
    action: core.echo
    with: { value: "{{ inputs.label }}" }
  gate:
    needs: [first]
    wait: { signal: go }
  last:
    needs: [gate]
    action: core.echo
    with: { value: "{{ steps.gate.output }}" }
outputs:
  got: "{{ steps.last.output }}"
`

/** A workflow whose one step fails until `flaky.heal()` is called; `max_attempts: 2` with a tiny delay. */
export const FLAKY = `trellis: 1
name: flaky
steps:
  try:
    action: flaky
    retry: { max_attempts: 2, delay: 10ms }
`

/** Loads a YAML definition. */
export function wf(text: string): Workflow {
  return loadWorkflow({ text, file: null })
}

/** The `flaky` action and its switch. */
export function flakyActions(): { actions: ActionRegistry; heal(): void; calls(): number } {
  let healed = false
  let calls = 0
  const actions = createActionRegistry()
  actions.register(
    'flaky',
    () => {
      calls++
      if (!healed) throw Object.assign(new Error('not yet'), { code: 'FLAKY' })
      return 'ok'
    },
    'test',
  )
  return { actions, heal: () => (healed = true), calls: () => calls }
}

/** An app on a fresh engine, with the test workflows registered. */
export interface TestServer {
  readonly app: TrellisApp
  readonly engine: Engine
  readonly t: TestEngine
  readonly flaky: ReturnType<typeof flakyActions>
  close(): Promise<void>
}

/** Creates an engine (SQLite `:memory:` unless `path` or `store`: the caller closes a store it gives) and the app. */
export async function createTestServer(
  options: Partial<Omit<AppOptions, 'engine'>> & { path?: string; store?: Store } = {},
): Promise<TestServer> {
  const flaky = flakyActions()
  const t = await createTestEngine({
    actions: flaky.actions,
    ...(options.path === undefined ? {} : { path: options.path }),
    ...(options.store === undefined ? {} : { store: options.store }),
  })
  const app = createApp({
    engine: t.engine,
    uiDir: null,
    workflows: [
      { workflow: wf(HELLO), source: HELLO },
      { workflow: wf(GATED), source: GATED },
      { workflow: wf(FLAKY), source: FLAKY },
    ],
    ...options,
  })
  return {
    app,
    engine: t.engine,
    t,
    flaky,
    async close() {
      app.close()
      await t.close()
    },
  }
}

/** A JSON request. */
export function post(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  }
}

/** Loosely typed JSON, for shape checks. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any

/** The response's JSON. */
export async function body(res: Response): Promise<Json> {
  return (await res.json()) as Json
}

/** Polls until `check` gives a value, or fails after `ms`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}
