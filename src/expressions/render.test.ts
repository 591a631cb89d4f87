import { Environment } from '@marcbachmann/cel-js'
import { describe, expect, it, vi } from 'vitest'
import { ExpressionError, evaluateCondition, renderString, renderValue, type TemplateScope } from './index.js'

const scope: TemplateScope = {
  inputs: { amount: 5, price: 5.5, name: 'ann', items: ['a', 'b'], order: { id: 7, lines: [] }, nothing: null },
  vars: { total: 0, charged: false },
  steps: { 'my-step': { output: { x: 1 }, status: 'completed', error: null } },
  execution: { id: 'e-1', workflow: 'order-pipeline' },
}

const render = (source: string): unknown => renderString(source, scope)

function renderError(source: string, s: TemplateScope = scope): ExpressionError {
  try {
    renderString(source, s)
  } catch (error) {
    expect(error).toBeInstanceOf(ExpressionError)
    return error as ExpressionError
  }
  throw new Error(`expected ${source} to fail`)
}

describe('a string that is exactly one {{ expr }} keeps the value type', () => {
  it.each([
    ['a number', '{{ inputs.amount }}', 5],
    ['a decimal', '{{ inputs.price }}', 5.5],
    ['a boolean', '{{ vars.charged }}', false],
    ['a map', '{{ inputs.order }}', { id: 7, lines: [] }],
    ['a list', '{{ inputs.items }}', ['a', 'b']],
    ['null', '{{ inputs.nothing }}', null],
    ['a string', '{{ inputs.name }}', 'ann'],
    ['a computed map', '{{ {"total": inputs.amount * 2} }}', { total: 10 }],
  ])('%s', (_what, source, expected) => {
    expect(render(source)).toStrictEqual(expected)
  })

  it('whitespace around the template makes it text', () => {
    expect(render(' {{ inputs.amount }}')).toBe(' 5')
    expect(render('{{ inputs.amount }} ')).toBe('5 ')
  })
})

describe('mixed text turns values into text', () => {
  it('null is empty text', () => {
    expect(render('[{{ inputs.nothing }}]')).toBe('[]')
  })
  it('maps and lists are compact JSON', () => {
    expect(render('order={{ inputs.order }} items={{ inputs.items }}')).toBe(
      'order={"id":7,"lines":[]} items=["a","b"]',
    )
  })
  it('numbers print as JavaScript prints them and booleans as true/false', () => {
    expect(render('{{ inputs.price }}|{{ 0.1 + 0.2 }}|{{ 1e21 }}|{{ vars.charged }}|{{ 2 > 1 }}')).toBe(
      '5.5|0.30000000000000004|1e+21|false|true',
    )
  })
  it('renders several templates in one string', () => {
    expect(render('{{ inputs.name }} pays {{ inputs.amount * 2 }} for {{ size(inputs.items) }} items')).toBe(
      'ann pays 10 for 2 items',
    )
  })
  it('adjacent templates join without a separator', () => {
    expect(render('{{ 1 }}{{ 2 }}')).toBe('12')
  })
})

describe('template syntax', () => {
  it("{{ '{{' }} writes a literal {{", () => {
    expect(render("{{ '{{' }}")).toBe('{{')
    expect(render("run {{ '{{' }} .Name }} now")).toBe('run {{ .Name }} now')
  })
  it('a }} in plain text is plain text', () => {
    expect(render('a }} b')).toBe('a }} b')
  })
  it('whitespace inside the braces does not matter', () => {
    expect(render('{{inputs.amount}}')).toBe(5)
    expect(render('{{   inputs.amount\n\t}}')).toBe(5)
    expect(render('{{\n  inputs.amount > 1\n}}')).toBe(true)
  })
  it('a }} inside a string literal does not close the template', () => {
    expect(render("{{ '}}' }}")).toBe('}}')
    expect(render('{{ "a}}b" + "c" }}')).toBe('a}}bc')
  })
  it('a map literal inside a template may end in }}', () => {
    expect(render('{{ {"a": {"b": 1}} }}')).toStrictEqual({ a: { b: 1 } })
    expect(render('{{ {"a": {"b": 1}}}}')).toStrictEqual({ a: { b: 1 } })
  })
  it('a string without {{ is returned as it is', () => {
    const source = 'plain text with } and }}'
    expect(render(source)).toBe(source)
  })
  it('an unclosed {{ is an error with its offset', () => {
    const error = renderError('abc {{ inputs.amount')
    expect(error.message).toContain('unclosed "{{"')
    expect(error.offset).toBe(4)
  })
})

describe('renderValue renders recursively', () => {
  it('renders every string in maps and lists, keeping types of lone templates', () => {
    const value = {
      value: { ok: true, total: '{{ inputs.amount * 2 }}', label: 'n={{ inputs.amount }}' },
      list: ['{{ inputs.items }}', 3, null, false, ['{{ vars.total }}']],
    }
    expect(renderValue(value, scope)).toStrictEqual({
      value: { ok: true, total: 10, label: 'n=5' },
      list: [['a', 'b'], 3, null, false, [0]],
    })
  })
  it('keys are not templated', () => {
    expect(renderValue({ '{{ inputs.name }}': '{{ inputs.name }}' }, scope)).toStrictEqual({
      '{{ inputs.name }}': 'ann',
    })
  })
  it('returns a new value and never changes the input', () => {
    const value = { a: ['{{ inputs.amount }}'], b: { c: 'x' } }
    const before = structuredClone(value)
    const out = renderValue(value, scope) as typeof value
    expect(value).toStrictEqual(before)
    expect(out).not.toBe(value)
    expect(out.b).not.toBe(value.b)
  })
  it('a __proto__ key of the value stays an own key of the result', () => {
    const value = JSON.parse('{"__proto__": {"x": "{{ inputs.amount }}"}}') as { [key: string]: string }
    const out = renderValue(value, scope) as object
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
    expect(Object.keys(out)).toEqual(['__proto__'])
    expect(JSON.stringify(out)).toBe('{"__proto__":{"x":5}}')
  })
  it('renders scalars that are not strings as they are', () => {
    expect(renderValue(42, scope)).toBe(42)
    expect(renderValue(null, scope)).toBe(null)
  })
})

describe('evaluateCondition requires a boolean', () => {
  it('gives the boolean', () => {
    expect(evaluateCondition('{{ inputs.amount > 1 }}', scope)).toBe(true)
    expect(evaluateCondition('{{ vars.charged }}', scope)).toBe(false)
  })
  it('anything else is an EXPRESSION_ERROR naming the type and value', () => {
    const run = (source: string): unknown => evaluateCondition(source, scope)
    expect(() => run('{{ 3 }}')).toThrow('`when` must give a boolean, got number 3')
    expect(() => run('{{ "true" }}')).toThrow('`when` must give a boolean, got string "true"')
    expect(() => run('{{ inputs.nothing }}')).toThrow('`when` must give a boolean, got null')
    expect(() => run('true')).toThrow(ExpressionError)
    expect(() => run('{{ true }} ')).toThrow('got string "true "')
  })
})

describe('errors', () => {
  it('carry the EXPRESSION_ERROR code', () => {
    const error = renderError('{{ inputs.nope }}')
    expect(error.code).toBe('EXPRESSION_ERROR')
    expect(error.toJSON()).toEqual({ code: 'EXPRESSION_ERROR', message: error.message })
  })
  it('a syntax error in a second template points at it', () => {
    const error = renderError('{{ inputs.amount }} and {{ inputs.amount + }}')
    expect(error.offset).toBe('{{ inputs.amount }} and {{ inputs.amount + '.length)
    expect(error.message).toBe('the expression ends too early in {{ inputs.amount + }}')
  })
  it('scope data that is not JSON is refused with its path', () => {
    const error = renderError('{{ inputs.when }}', { inputs: { when: new Date(0) } })
    expect(error.message).toBe('inputs.when holds an instance of Date, which is not JSON data')
    expect(error.path).toBe('inputs.when')
  })

  it('a root changed in place is checked again on the next render', () => {
    const steps: Record<string, unknown> = {}
    for (let i = 0; i < 20; i++) steps[`s${i}`] = { output: i, status: 'completed', error: null }
    const s: TemplateScope = { steps }
    expect(renderString('{{ steps.s1.output }}', s)).toBe(1)
    steps.s1 = { output: new Date(0), status: 'completed', error: null }
    expect(renderError('{{ steps.s1.output }}', s).message).toBe(
      'steps.s1.output holds an instance of Date, which is not JSON data',
    )
  })
})

describe('compiling', () => {
  it('parses each distinct template string once', () => {
    const parse = vi.spyOn(Environment.prototype, 'parse')
    try {
      const source = `{{ inputs.amount + ${Math.random()} }} and {{ inputs.name }}`
      for (let i = 0; i < 100; i++) renderString(source, { inputs: { amount: i, name: 'x' } })
      expect(parse).toHaveBeenCalledTimes(2)
    } finally {
      parse.mockRestore()
    }
  })

  it('caches templates with problems too', () => {
    const parse = vi.spyOn(Environment.prototype, 'parse')
    try {
      const source = `{{ inputs.amount + ${Math.random()} + }}`
      for (let i = 0; i < 10; i++) expect(() => renderString(source, scope)).toThrow(ExpressionError)
      expect(parse).toHaveBeenCalledTimes(1)
    } finally {
      parse.mockRestore()
    }
  })
})
