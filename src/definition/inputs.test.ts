import { describe, expect, it } from 'vitest'
import { resolveInputs } from './inputs.js'
import { loadWorkflow } from './load.js'
import { InvalidInputError } from './problems.js'

// workflow-format.md, "Top level", input spec: defaults, optional inputs are null, and starting with a missing
// required input, a wrong type or an undeclared key is refused with an error naming the input.

const workflow = loadWorkflow({
  text: [
    'trellis: 1',
    'name: typed',
    'inputs:',
    '  order_id: { type: string }',
    '  amount: { type: number, default: 0 }',
    '  count: { type: integer, required: false }',
    '  flag: { type: boolean, default: false }',
    '  meta: { type: object, required: false }',
    '  items: { type: array, default: [] }',
    '  anything: { required: false }',
    'steps:',
    '  a: { action: core.noop }',
  ].join('\n'),
  file: null,
})

function refusal(given: Record<string, unknown>): { input: string; message: string } {
  try {
    resolveInputs(workflow, given)
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError)
    const { input, message, code } = error as InvalidInputError
    expect(code).toBe('INVALID_INPUT')
    return { input, message }
  }
  throw new Error('expected resolveInputs to refuse')
}

describe('resolveInputs', () => {
  it('applies defaults and gives optional inputs that were not given null', () => {
    expect(resolveInputs(workflow, { order_id: 'o-1' })).toEqual({
      order_id: 'o-1',
      amount: 0,
      count: null,
      flag: false,
      meta: null,
      items: [],
      anything: null,
    })
  })

  it('takes given values of the declared types', () => {
    const given = {
      order_id: 'o',
      amount: 2.5,
      count: 3,
      flag: true,
      meta: { a: [1] },
      items: ['x'],
      anything: [{ b: null }],
    }
    expect(resolveInputs(workflow, given)).toEqual(given)
  })

  it('treats an explicit null like a value not given', () => {
    expect(resolveInputs(workflow, { order_id: 'o', amount: null, count: null })).toMatchObject({
      amount: 0,
      count: null,
    })
  })

  it('refuses a missing required input, naming it', () => {
    expect(refusal({})).toEqual({
      input: 'order_id',
      message:
        'Missing required input "order_id" (a string) of workflow typed. Give it a value when starting the execution.',
    })
  })

  it('refuses a value of the wrong type, naming the input (integer means a whole number)', () => {
    expect(refusal({ order_id: 5 })).toEqual({
      input: 'order_id',
      message: 'Input "order_id" must be a string, got 5. Pass a string.',
    })
    expect(refusal({ order_id: 'o', count: 1.5 })).toMatchObject({
      input: 'count',
      message: expect.stringContaining('must be an integer, got 1.5'),
    })
    expect(refusal({ order_id: 'o', meta: [] })).toMatchObject({
      input: 'meta',
      message: expect.stringContaining('must be an object, got a list'),
    })
    expect(refusal({ order_id: 'o', items: {} })).toMatchObject({ input: 'items' })
    expect(refusal({ order_id: 'o', flag: 'yes' })).toMatchObject({ input: 'flag' })
    expect(refusal({ order_id: 'o', amount: Number.NaN })).toMatchObject({ input: 'amount' })
  })

  it('refuses a key that is not declared, with a suggestion', () => {
    expect(refusal({ order_id: 'o', amout: 1 })).toEqual({
      input: 'amout',
      message:
        'Unknown input "amout" (did you mean "amount"?): workflow typed declares order_id, amount, count, flag, meta, items, anything. Remove it or fix its name.',
    })
  })

  it('refuses values that are not JSON', () => {
    expect(refusal({ order_id: 'o', anything: { when: new Date(0) } })).toMatchObject({
      input: 'anything',
      message: expect.stringContaining('not plain JSON'),
    })
  })

  it('accepts no inputs for a workflow without inputs', () => {
    const bare = loadWorkflow({ text: 'trellis: 1\nname: bare\nsteps:\n  a: { action: core.noop }\n', file: null })
    expect(resolveInputs(bare, {})).toEqual({})
    expect(() => resolveInputs(bare, { x: 1 })).toThrow(
      'Unknown input "x": workflow bare declares no inputs. Start it without inputs.',
    )
  })
})
