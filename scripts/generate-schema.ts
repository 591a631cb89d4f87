/**
 * Writes schema/trellis-workflow.schema.json from the zod schema of the workflow file format
 * (src/definition/file-schema.ts). Run after changing the format: `npx tsx scripts/generate-schema.ts`.
 * A test fails when the checked-in file differs from what this writes.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { workflowJsonSchemaText } from '../src/definition/json-schema.js'

const target = join(dirname(fileURLToPath(import.meta.url)), '..', 'schema', 'trellis-workflow.schema.json')
mkdirSync(dirname(target), { recursive: true })
writeFileSync(target, workflowJsonSchemaText())
console.log(`wrote ${target}`)
