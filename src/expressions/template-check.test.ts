import { describe, expect, it } from 'vitest'
import { checkTemplate, hasTemplate } from './index.js'

/** The text at a problem's offset, to show where it points. */
function at(source: string): string[] {
  return checkTemplate(source).map((p) => source.slice(p.offset))
}

describe('hasTemplate', () => {
  it('is true when the string contains {{', () => {
    expect(hasTemplate('{{ inputs.a }}')).toBe(true)
    expect(hasTemplate('a {{ b')).toBe(true)
    expect(hasTemplate('plain')).toBe(false)
    expect(hasTemplate('a }} b { c }')).toBe(false)
  })
})

describe('checkTemplate finds problems without evaluating', () => {
  it('a valid template or plain text has none', () => {
    expect(checkTemplate('{{ inputs.amount * 2 }} and {{ steps["a-b"].output }}')).toEqual([])
    expect(checkTemplate('no template at all')).toEqual([])
    expect(checkTemplate("{{ '{{' }} .Name }}")).toEqual([])
    expect(checkTemplate('{{ result.x }}')).toEqual([]) // scope is checked when rendering, not here
  })

  it('an unclosed {{ points at the {{', () => {
    expect(checkTemplate('ab {{ inputs.a')).toEqual([{ message: 'unclosed "{{" (no matching "}}")', offset: 3 }])
    expect(at('{{ inputs.x }} then {{ {"a": 1 }')).toEqual(['{{ {"a": 1 }'])
  })

  it('an empty {{ }} points at it', () => {
    expect(checkTemplate('x {{   }}')).toEqual([{ message: 'empty expression in "{{ }}"', offset: 2 }])
  })

  it('an unterminated string points at its quote', () => {
    expect(checkTemplate('{{ "abc }}')).toEqual([{ message: 'unterminated string in an expression', offset: 3 }])
  })

  it('a syntax error in the second template points inside the second template', () => {
    const source = '{{ inputs.a }} and {{ inputs.b + * 2 }}'
    const problems = checkTemplate(source)
    expect(problems).toHaveLength(1)
    expect(problems[0]!.message).toBe('unexpected "*" in {{ inputs.b + * 2 }}')
    expect(problems[0]!.offset).toBe(source.indexOf('* 2'))
  })

  it('reports one problem per broken template, each at its own place', () => {
    expect(at('{{ a. }} {{ ) }} {{ inputs.ok }}')).toEqual(['}} {{ ) }} {{ inputs.ok }}', ') }} {{ inputs.ok }}'])
  })

  it('offsets count from the start of the whole string, across lines', () => {
    const source = 'line one\nline two {{ inputs.x ! }}'
    expect(checkTemplate(source)[0]!.offset).toBe(source.indexOf('!'))
  })

  it.each([
    ['{{ foo.bar }}', 'unknown variable "foo"', 'foo.bar }}'],
    ['{{ process.env }}', 'unknown variable "process"', 'process.env }}'],
    ['{{ nope(1) }}', 'unknown function nope()', 'nope(1) }}'],
    ['{{ size(1, 2) }}', 'size() takes 1 argument, got 2', 'size(1, 2) }}'],
    ['{{ inputs.s.shout() }}', 'unknown method .shout()', 'inputs.s.shout() }}'],
    ['{{ inputs.s.matches("^a+$") }}', 'matches() is not supported', 'inputs.s.matches'],
    ['{{ b"bytes" }}', 'bytes literals (b"…") are not supported', 'b"bytes" }}'],
    ['{{ {1: "a"} }}', 'map keys must be strings', '1: "a"} }}'],
    ['{{ has(inputs["a"]) }}', 'has() needs one field selection', 'has(inputs'],
    ['{{ cel.bind(x, 1, x) }}', 'unknown method .bind()', 'cel.bind'],
    ['{{ cel }}', 'unknown variable "cel"', 'cel }}'],
    ['{{ int }}', 'unknown variable "int"', 'int }}'],
    ['{{ import }}', '"import" is a reserved word', 'import }}'],
    ['{{ inputs.a.?b }}', 'expected a name but found "?"', '?b }}'],
    ['{{ 1 +* 2 }}', 'unexpected "*"', '* 2 }}'],
    ['{{ inputs[ }}', 'the expression ends too early', '}}'],
  ])('%s is a problem: %s', (source, message, where) => {
    const problems = checkTemplate(source)
    expect(problems).toHaveLength(1)
    expect(problems[0]!.message).toContain(message)
    expect(source.slice(problems[0]!.offset)).toMatch(new RegExp(`^${where.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`))
  })

  it('limits are problems, not crashes', () => {
    expect(checkTemplate(`{{ ${'!'.repeat(100_000)}true }}`)[0]!.message).toContain('nested too deeply')
    expect(checkTemplate(`{{ ${'1 + '.repeat(30_000)}1 }}`)[0]!.message).toContain('the expression is too long')
    expect(checkTemplate(`{{ ${'1 + '.repeat(1_000)}1 }}`)[0]!.message).toContain('nested too deeply')
    expect(checkTemplate(`{{ ${'('.repeat(300)}1${')'.repeat(300)} }}`)[0]!.message).toContain('nested too deeply')
  })
})
