import { describe, expect, it } from 'vitest'
import type { ApiInputSpec } from '../../src/server/api-types.js'
import { readJson } from '../../ui/src/lib/json-input.js'
import { readInputs } from '../../ui/src/lib/start-inputs.js'

const spec = (type: ApiInputSpec['type'], required = true, extra: Partial<ApiInputSpec> = {}): ApiInputSpec => ({
  type,
  required,
  description: null,
  ...extra,
})

describe('the start form', () => {
  it('reads each field as its declared type and leaves empty optional fields to their defaults', () => {
    const specs = {
      name: spec('string'),
      count: spec('integer'),
      ratio: spec('number', false, { default: 0.5 }),
      dry: spec('boolean', false, { default: false }),
      items: spec('array'),
      meta: spec('object', false),
      anything: spec('any'),
    }
    const read = readInputs(specs, {
      name: 'ada',
      count: '3',
      ratio: '',
      dry: true,
      items: '[1, 2]',
      meta: '',
      anything: 'plain',
    })
    expect(read).toEqual({
      inputs: { name: 'ada', count: 3, dry: true, items: [1, 2], anything: 'plain' },
      problems: {},
    })
  })

  it('says what is wrong with each field', () => {
    const specs = { name: spec('string'), count: spec('integer'), items: spec('array'), meta: spec('object') }
    const read = readInputs(specs, { name: ' ', count: '1.5', items: '{}', meta: '{"a":' })
    expect(Object.keys(read.problems)).toEqual(['name', 'count', 'items', 'meta'])
    expect(read.problems['name']).toBe('required')
    expect(read.problems['count']).toBe('must be a whole number')
    expect(read.problems['items']).toBe('must be a JSON array')
  })
})

describe('JSON typed by a person', () => {
  it('is read, or answered with what is wrong and where', () => {
    expect(readJson('{"by": "ada"}')).toEqual({ ok: true, value: { by: 'ada' } })
    expect(readJson('  ', null)).toEqual({ ok: true, value: null })
    expect(readJson('{\n  "by": ada\n}')).toEqual({ ok: false, message: "Unexpected token 'a'" })
    expect(readJson('{\n  "by": 1,\n}')).toEqual({
      ok: false,
      message: 'Expected double-quoted property name (line 3, column 1)',
    })
  })
})
