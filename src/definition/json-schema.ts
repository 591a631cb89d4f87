import { z } from 'zod'
import { workflowFileSchema } from './file-schema.js'

/**
 * The JSON Schema of workflow files, generated from the zod schema the loader uses, for editors (autocompletion
 * and hover help in YAML and JSON files). It checks shape only; references, cycles and templates are checked
 * by the loader. Written to `schema/trellis-workflow.schema.json` by `scripts/generate-schema.ts`.
 */
export function workflowJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(workflowFileSchema, { target: 'draft-07', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >
  const { $schema, ...rest } = generated
  return {
    $schema,
    $comment: 'Generated from src/definition/file-schema.ts by scripts/generate-schema.ts; do not edit.',
    title: 'Trellis workflow',
    description:
      'A Trellis workflow definition, format version 1 (YAML or JSON). See the workflow format documentation.',
    ...rest,
  }
}

/** {@link workflowJsonSchema} as the text of the checked-in file. */
export function workflowJsonSchemaText(): string {
  return `${JSON.stringify(workflowJsonSchema(), null, 2)}\n`
}
