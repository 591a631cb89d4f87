import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ajv } from 'ajv'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'
import { workflowJsonSchema, workflowJsonSchemaText } from './json-schema.js'

// The JSON Schema editors use is generated from the loader's zod schema (scripts/generate-schema.ts); these tests
// keep the checked-in copy current and check that it accepts real workflows and rejects what the format forbids.

const root = fileURLToPath(new URL('../..', import.meta.url))
const schemaFile = join(root, 'schema', 'trellis-workflow.schema.json')

function workflowFiles(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.(ya?ml|json)$/.test(name) && !name.split('/').at(-1)!.startsWith('invalid'))
    .map((name) => join(dir, name))
}

const validate = new Ajv({ allErrors: true }).compile(workflowJsonSchema())

describe('the workflow JSON Schema', () => {
  it('is checked in exactly as scripts/generate-schema.ts writes it (run it after changing the format)', () => {
    expect(readFileSync(schemaFile, 'utf8')).toBe(workflowJsonSchemaText())
  })

  it('has a title, a description and a description on every key', () => {
    const schema = workflowJsonSchema()
    expect(schema).toMatchObject({ title: 'Trellis workflow', description: expect.any(String) })
    const properties = schema.properties as Record<string, { description?: string }>
    for (const [key, property] of Object.entries(properties))
      expect([key, typeof property.description]).toEqual([key, 'string'])
  })

  const files = [
    ...workflowFiles(join(root, 'examples')),
    ...workflowFiles(fileURLToPath(new URL('./fixtures', import.meta.url))),
  ]
  it.each(files.map((file) => [file.slice(root.length)]))('accepts %s', (file) => {
    const document: unknown = parse(readFileSync(join(root, file), 'utf8'))
    const valid = validate(document)
    expect(valid ? [] : validate.errors).toEqual([])
  })

  it('rejects an unknown key, at the top and in a step', () => {
    expect(validate({ trellis: 1, name: 'x', steps: { a: { action: 'x' } }, stesp: {} })).toBe(false)
    expect(validate({ trellis: 1, name: 'x', steps: { a: { action: 'x', neds: [] } } })).toBe(false)
  })

  it('rejects a step with two kinds, and one with none', () => {
    expect(validate({ trellis: 1, name: 'x', steps: { a: { action: 'x', sleep: '5s' } } })).toBe(false)
    expect(validate({ trellis: 1, name: 'x', steps: { a: { needs: [] } } })).toBe(false)
    expect(validate({ trellis: 1, name: 'x', steps: { a: { sleep: '5s' } } })).toBe(true)
  })

  it('rejects retry on a sleep step and a bad duration', () => {
    expect(validate({ trellis: 1, name: 'x', steps: { a: { sleep: '5s', retry: {} } } })).toBe(false)
    expect(validate({ trellis: 1, name: 'x', steps: { a: { action: 'x', timeout: '5 minutes' } } })).toBe(false)
  })
})
