import { describe, expect, it } from 'vitest'
import { templateReferences } from './index.js'

describe('templateReferences lists the variable paths a template reads', () => {
  it.each([
    ['{{ steps["my-step"].output.x }}', [['steps', 'my-step', 'output', 'x']]],
    [
      '{{ inputs.a + vars.b }}',
      [
        ['inputs', 'a'],
        ['vars', 'b'],
      ],
    ],
    [
      'a {{ inputs.a }} b {{ inputs.a }} c {{ inputs.b }}',
      [
        ['inputs', 'a'],
        ['inputs', 'b'],
      ],
    ],
    ['{{ inputs }}', [['inputs']]],
    ['{{ inputs.list[0].name }}', [['inputs', 'list', '0', 'name']]],
    ["{{ steps['x'].status == 'completed' }}", [['steps', 'x', 'status']]],
    [
      '{{ inputs.list[inputs.i].name }}',
      [
        ['inputs', 'list'],
        ['inputs', 'i'],
      ],
    ],
    [
      '{{ inputs.m[vars.k][vars.j].z }}',
      [
        ['inputs', 'm'],
        ['vars', 'k'],
        ['vars', 'j'],
      ],
    ],
    ['{{ size(inputs.items) > 0 }}', [['inputs', 'items']]],
    ['{{ inputs.name.size() }}', [['inputs', 'name']]],
    ['{{ has(steps.a.output.by) }}', [['steps', 'a', 'output', 'by']]],
    ['{{ item.sku }}:{{ index }}', [['item', 'sku'], ['index']]],
    [
      '{{ inputs.lines.map(l, l.qty * vars.price) }}',
      [
        ['inputs', 'lines'],
        ['vars', 'price'],
      ],
    ],
    ['{{ inputs.a.exists(x, x.b.all(y, y > x.min)) }}', [['inputs', 'a']]],
    ['{{ inputs.l.map(inputs, inputs.x) }}', [['inputs', 'l']]],
    ['{{ {"k": result.v}["k"] }}', [['result', 'v']]],
    [
      '{{ [inputs.a, vars.b][0] }}',
      [
        ['inputs', 'a'],
        ['vars', 'b'],
      ],
    ],
    ['{{ c ? a : b }}', [['c'], ['a'], ['b']]],
    ['{{ 1 + 2 }}', []],
    ['{{ size("x") }}', []],
    ['no template', []],
  ])('%s', (source, expected) => {
    expect(templateReferences(source)).toEqual(expected)
  })

  it('returns [] for input that does not parse, and never throws', () => {
    expect(templateReferences('{{ inputs.a + }}')).toEqual([])
    expect(templateReferences('{{ inputs.a')).toEqual([])
    expect(templateReferences(`{{ ${'1 + '.repeat(5_000)}inputs.a }}`)).toEqual([])
    expect(templateReferences(`{{ ${'!'.repeat(100_000)}inputs.a }}`)).toEqual([])
  })

  it('still lists the references of the expressions that parse', () => {
    expect(templateReferences('{{ inputs.a }} {{ ) }}')).toEqual([['inputs', 'a']])
  })
})
