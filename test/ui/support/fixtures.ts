import type { ApiEvent, ApiExecution, ApiGraph, ApiGraphNode, ApiStep } from '../../../src/server/api-types.js'

/** Builders of API objects for the UI's unit tests. */

export const T0 = Date.parse('2026-03-02T10:00:00.000Z')

export function at(seconds: number): string {
  return new Date(T0 + seconds * 1_000).toISOString()
}

export function step(status: ApiStep['status'], extra: Partial<ApiStep> = {}): ApiStep {
  return { status, attempts: 0, output: null, error: null, started_at: null, completed_at: null, ...extra }
}

export function execution(steps: Record<string, ApiStep>, extra: Partial<ApiExecution> = {}): ApiExecution {
  return {
    id: 'exec_1',
    workflow: 'order',
    status: 'running',
    inputs: {},
    outputs: {},
    error: null,
    created_at: at(0),
    started_at: at(0),
    completed_at: null,
    parent_id: null,
    parent_step: null,
    steps,
    ...extra,
  }
}

function node(id: string, extra: Partial<ApiGraphNode> = {}): ApiGraphNode {
  return {
    id,
    kind: 'action',
    action: 'core.echo',
    workflow: null,
    sleep: null,
    signal: null,
    reason: null,
    when: null,
    for_each: null,
    concurrency: null,
    max_attempts: 1,
    timeout_ms: null,
    wait_timeout_ms: null,
    needs: [],
    needs_any: [],
    line: null,
    column: null,
    ...extra,
  }
}

/** A graph from `needs` lists: `{ b: ['a'] }` means b needs a. Order is the key order. */
export function graph(needs: Record<string, string[]>, extraEdges: ApiGraph['edges'] = []): ApiGraph {
  const names = Object.keys(needs)
  return {
    nodes: names.map((n) => node(n, { needs: needs[n] })),
    edges: [...names.flatMap((to) => needs[to]!.map((from) => ({ from, to, kind: 'needs' as const }))), ...extraEdges],
    order: names,
  }
}

/** Numbers a list of events 1, 2, 3 … as the server would. */
export function events(list: readonly Omit<ApiEvent, 'seq' | 'execution_id'>[]): ApiEvent[] {
  return list.map((e, i) => ({ ...e, seq: i + 1, execution_id: 'exec_1' }) as ApiEvent)
}
