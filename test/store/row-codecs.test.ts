import { describe, expect, it } from 'vitest'
import { executionFromRow, newExecutionRow, type ExecutionRow } from '../../src/store/sql/index.js'
import { newExecution } from '../support/store-fixtures.js'

describe('row codecs', () => {
  it('decode a definition once per text: rows with the same text share one frozen Workflow', () => {
    const row = (id: string): ExecutionRow => ({ ...newExecutionRow(newExecution(id, 1)), version: 0 }) as ExecutionRow
    const a = executionFromRow(row('e1'))
    const b = executionFromRow(row('e2'))
    expect(b.definition).toBe(a.definition)
    expect(a.definition.name).toBe('wf')
    expect(Object.isFrozen(a.definition)).toBe(true)
    expect(Object.isFrozen(a.definition.steps)).toBe(true)
    // Everything else is decoded per row.
    expect(b.inputs).not.toBe(a.inputs)
  })
})
