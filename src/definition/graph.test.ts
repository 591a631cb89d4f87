import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { findCycle, findCycles, stepDependents, stepEdges, toDot, toMermaid, topologicalOrder } from './graph.js'
import { loadWorkflow } from './load.js'
import type { Workflow } from './model.js'
import { DefinitionError } from './problems.js'

const example = loadWorkflow({
  text: readFileSync(new URL('./fixtures/order-pipeline.yaml', import.meta.url), 'utf8'),
  file: null,
})

/** A steps-only workflow for graph functions: `edges` as `from>to:kind` is not needed, steps carry their lists. */
function graph(
  steps: Record<
    string,
    Partial<Record<'needs' | 'needsAny' | 'onSuccess' | 'onFailure' | 'onComplete' | 'onTimeout', string[]>>
  >,
): Pick<Workflow, 'steps'> {
  const full = Object.fromEntries(
    Object.entries(steps).map(([name, lists]) => [
      name,
      {
        needs: [],
        needsAny: [],
        onSuccess: [],
        onFailure: [],
        onComplete: [],
        onTimeout: [],
        ...lists,
        name,
        kind: 'pause',
        reason: '',
        forEach: null,
      },
    ]),
  )
  return { steps: full as unknown as Workflow['steps'] }
}

describe('step graph', () => {
  it('lists every edge by kind: needs and needs_any from the dependency, transitions from the source', () => {
    expect(stepEdges(graph({ a: { onFailure: ['c'] }, b: { needs: ['a'], needsAny: ['c'] }, c: {} }))).toEqual([
      { from: 'a', to: 'c', kind: 'on_failure' },
      { from: 'a', to: 'b', kind: 'needs' },
      { from: 'c', to: 'b', kind: 'needs_any' },
    ])
  })

  it('orders steps topologically, preferring file order among steps that could come next', () => {
    expect(topologicalOrder(example)).toEqual(['validate', 'charge', 'refund', 'pack', 'approve', 'notify'])
    expect(topologicalOrder(graph({ late: { needs: ['early'] }, other: {}, early: {} }))).toEqual([
      'other',
      'early',
      'late',
    ])
  })

  it('orders wide graphs quickly', () => {
    const steps: Record<string, { needs: string[] }> = {}
    for (let i = 0; i < 20_000; i++) steps[`s${i}`] = { needs: i % 100 === 0 ? [] : [`s${i - (i % 100)}`] }
    const order = topologicalOrder(graph(steps))
    expect(order).toHaveLength(20_000)
    expect(order.slice(0, 3)).toEqual(['s0', 's1', 's2'])
  })

  it('refuses to order a graph with a cycle, naming it', () => {
    expect(() => topologicalOrder(graph({ a: { needs: ['b'] }, b: { needs: ['a'] } }))).toThrow(DefinitionError)
    expect(() => topologicalOrder(graph({ a: { needs: ['b'] }, b: { needs: ['a'] } }))).toThrow('cycle a -> b -> a')
  })

  it('finds the shortest cycle from the first step of each strongly connected group', () => {
    const g = graph({
      x: {},
      a: { needs: ['c'] },
      b: { needs: ['a'] },
      c: { needs: ['b'], onSuccess: ['a'] },
      s: { needsAny: ['s'] },
    })
    expect(findCycles(Object.keys(g.steps), stepEdges(g))).toEqual([
      ['a', 'b', 'c', 'a'],
      ['s', 's'],
    ])
    expect(findCycle(g)).toEqual(['a', 'b', 'c', 'a'])
    expect(findCycle(example)).toBeNull()
  })

  it('finds cycles in long chains without overflowing the stack', () => {
    const steps: Record<string, { needs: string[] }> = {}
    for (let i = 0; i < 12_000; i++) steps[`s${i}`] = { needs: i === 0 ? ['s11999'] : [`s${i - 1}`] }
    expect(findCycle(graph(steps))).toHaveLength(12_001)
  })

  it('gives each step the steps whose readiness depends on it', () => {
    expect(Object.fromEntries(stepDependents(example))).toEqual({
      validate: ['charge', 'pack'],
      charge: ['refund', 'approve'],
      refund: [],
      pack: ['approve'],
      approve: ['notify'],
      notify: [],
    })
  })

  it('draws mermaid: kinds in labels, needs solid, needs_any dashed, transitions labelled', () => {
    const workflow = loadWorkflow({
      text: 'trellis: 1\nname: g\nsteps:\n  a: { action: core.echo }\n  b: { sleep: 5m, needs_any: [a] }\n  c: { pause: "why \\"now\\"", needs: [b], on_failure: [d] }\n  d: { workflow: ./x.yaml, for_each: [1] }\n',
      file: null,
    })
    expect(toMermaid(workflow)).toBe(
      [
        'flowchart TD',
        '  s0["a<br/>action core.echo"]',
        '  s1["b<br/>sleep 5m"]',
        '  s2["c<br/>pause"]',
        '  s3["d<br/>workflow ./x.yaml (for each)"]',
        '  s0 -.->|needs_any| s1',
        '  s1 --> s2',
        '  s2 -->|on_failure| s3',
        '',
      ].join('\n'),
    )
  })

  it('draws dot: kinds in labels, needs solid, needs_any dashed, transitions labelled', () => {
    expect(toDot(example)).toContain('"validate" [label="validate\\naction core.echo"];')
    expect(toDot(example)).toContain('"approve" [label="approve\\nwait approval"];')
    expect(toDot(example)).toContain('"charge" -> "refund" [label="on_failure"];')
    expect(toDot(example)).toContain('"validate" -> "charge";')
    const workflow = loadWorkflow({
      text: 'trellis: 1\nname: g\nsteps:\n  a: { action: x }\n  b: { action: x, needs_any: [a] }\n',
      file: null,
    })
    expect(toDot(workflow)).toBe(
      [
        'digraph "g" {',
        '  rankdir=TB;',
        '  node [shape=box];',
        '  "a" [label="a\\naction x"];',
        '  "b" [label="b\\naction x"];',
        '  "a" -> "b" [style=dashed, label="needs_any"];',
        '}',
        '',
      ].join('\n'),
    )
  })
})
