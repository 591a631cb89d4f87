// Unit tests of the CLI's pure parts: the snake_case wire shapes, input parsing, the exit-code table.
import { describe, expect, it } from 'vitest'
import { EXIT_CODE, outcomeOfError, outcomeOfStatus } from '../../src/cli/exit-codes.js'
import { mergeInputs, parseInputPair } from '../../src/cli/options.js'
import { toWireExecution, toWireSummary } from '../../src/engine/index.js'
import type { Execution } from '../../src/engine/index.js'

const execution: Execution = {
  id: 'e1',
  workflow: 'wf',
  status: 'failed',
  inputs: { a: 1 },
  outputs: {},
  error: { code: 'BOOM', message: 'no', step: 'each' },
  createdAt: '2024-01-01T00:00:00.000Z',
  startedAt: '2024-01-01T00:00:01.000Z',
  completedAt: '2024-01-01T00:00:02.000Z',
  parentId: null,
  parentStep: null,
  steps: {
    each: {
      status: 'failed',
      attempts: 2,
      output: null,
      error: { code: 'BOOM', message: 'no' },
      startedAt: '2024-01-01T00:00:01.000Z',
      completedAt: '2024-01-01T00:00:02.000Z',
      iterations: [
        { index: 0, status: 'completed', attempts: 1, output: 'x', error: null },
        { index: 1, status: 'failed', attempts: 1, output: null, error: { code: 'BOOM', message: 'no' } },
      ],
    },
  },
}

describe('wire shapes', () => {
  it('writes the execution object of cli.md in snake_case, iterations with exactly their four keys', () => {
    expect(toWireExecution(execution)).toEqual({
      id: 'e1',
      workflow: 'wf',
      status: 'failed',
      inputs: { a: 1 },
      outputs: {},
      error: { code: 'BOOM', message: 'no', step: 'each' },
      created_at: '2024-01-01T00:00:00.000Z',
      started_at: '2024-01-01T00:00:01.000Z',
      completed_at: '2024-01-01T00:00:02.000Z',
      parent_id: null,
      parent_step: null,
      steps: {
        each: {
          status: 'failed',
          attempts: 2,
          output: null,
          error: { code: 'BOOM', message: 'no' },
          started_at: '2024-01-01T00:00:01.000Z',
          completed_at: '2024-01-01T00:00:02.000Z',
          iterations: [
            { index: 0, status: 'completed', attempts: 1, output: 'x' },
            { index: 1, status: 'failed', attempts: 1, output: null },
          ],
        },
      },
    })
  })

  it('writes list summaries with ISO instants', () => {
    expect(
      toWireSummary({
        id: 'e1',
        workflow: 'wf',
        status: 'running',
        createdAt: 0,
        startedAt: 1_000,
        completedAt: null,
        parentId: 'p',
      }),
    ).toEqual({
      id: 'e1',
      workflow: 'wf',
      status: 'running',
      created_at: '1970-01-01T00:00:00.000Z',
      started_at: '1970-01-01T00:00:01.000Z',
      completed_at: null,
      parent_id: 'p',
    })
  })
})

describe('--input and --inputs', () => {
  it.each([
    ['n=5', 5],
    ['flag=true', true],
    ['nothing=null', null],
    ['list=[1,"a"]', [1, 'a']],
    ['quoted="5"', '5'],
    ['text=hello world', 'hello world'],
    ['empty=', ''],
    ['eq=a=b', 'a=b'],
  ])('%s', (text, value) => {
    expect(parseInputPair(text).value).toEqual(value)
  })

  it('refuses a pair without a key', () => {
    expect(() => parseInputPair('=5')).toThrow(/key=value/)
    expect(() => parseInputPair('five')).toThrow(/key=value/)
  })

  it('lets --input win over --inputs for the same key', () => {
    expect(mergeInputs({ inputs: { a: 1, b: 2 }, input: [parseInputPair('a=3')] })).toEqual({ a: 3, b: 2 })
  })
})

describe('exit codes', () => {
  it('maps outcomes and error codes to the codes of cli.md', () => {
    expect(
      [outcomeOfStatus('completed'), outcomeOfStatus('failed'), outcomeOfStatus('cancelled')].map((o) => EXIT_CODE[o]),
    ).toEqual([0, 1, 3])
    expect(EXIT_CODE[outcomeOfError({ code: 'INVALID_DEFINITION' })]).toBe(2)
    expect(EXIT_CODE[outcomeOfError({ code: 'CONFLICT' })]).toBe(2)
    expect(EXIT_CODE[outcomeOfError({ code: 'TIMEOUT' })]).toBe(4)
    expect(EXIT_CODE[outcomeOfError({ code: 'NOT_FOUND' })]).toBe(5)
    expect(EXIT_CODE[outcomeOfError({ code: 'INVALID_STATE' })]).toBe(6)
    expect(EXIT_CODE[outcomeOfError(new Error('bug'))]).toBe(1)
    expect(EXIT_CODE.interrupted).toBe(130)
  })
})
