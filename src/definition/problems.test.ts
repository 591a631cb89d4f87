import { describe, expect, it } from 'vitest'
import { DefinitionError, formatProblems, InvalidInputError, type Problem } from './problems.js'

describe('formatProblems', () => {
  it('renders a header and one aligned line per problem, as the CLI prints them', () => {
    const problems: Problem[] = [
      {
        path: 'steps.charge.needs[0]',
        message: 'unknown step "validat" (did you mean "validate"?)',
        loc: { file: 'order.yaml', line: 14, column: 7 },
      },
      { path: 'steps', message: 'cycle pack -> approve -> pack', loc: { file: 'order.yaml', line: 9, column: 3 } },
    ]
    expect(formatProblems(problems, 'order.yaml')).toBe(
      [
        'order.yaml: 2 problems',
        '  order.yaml:14:7  steps.charge.needs[0]: unknown step "validat" (did you mean "validate"?)',
        '  order.yaml:9:3   steps: cycle pack -> approve -> pack',
      ].join('\n'),
    )
    expect(formatProblems(problems)).toBe(formatProblems(problems, 'order.yaml'))
  })

  it('says "1 problem", leaves out the path of whole-file problems and the location column when there is none', () => {
    expect(
      formatProblems([{ path: '', message: 'YAML: bad', loc: { file: null, line: 1, column: 2 } }], 'x.yaml'),
    ).toBe('x.yaml: 1 problem\n  x.yaml:1:2  YAML: bad')
    expect(formatProblems([{ path: 'steps.a', message: 'no kind', loc: null }], 'workflow "w"')).toBe(
      'workflow "w": 1 problem\n  steps.a: no kind',
    )
  })
})

describe('errors', () => {
  it('DefinitionError carries every problem, code INVALID_DEFINITION, and the formatted text as message', () => {
    const problems: Problem[] = [{ path: 'name', message: 'bad', loc: { file: 'w.yaml', line: 2, column: 7 } }]
    const error = new DefinitionError(problems)
    expect(error).toMatchObject({
      code: 'INVALID_DEFINITION',
      name: 'DefinitionError',
      problems,
      message: formatProblems(problems),
    })
    expect(error.toJSON()).toEqual({ code: 'INVALID_DEFINITION', message: formatProblems(problems) })
  })

  it('InvalidInputError names the input, with code INVALID_INPUT', () => {
    expect(new InvalidInputError('amount', 'Input "amount" must be a number')).toMatchObject({
      code: 'INVALID_INPUT',
      input: 'amount',
    })
  })
})
