import { findNonJson, type JsonValue } from '../util/index.js'
import { describeValue } from './describe-value.js'
import { inputTypeName, matchesInputType } from './input-type.js'
import type { Workflow } from './model.js'
import { InvalidInputError } from './problems.js'
import { didYouMean } from './suggest.js'

/**
 * Checks the inputs given to start an execution against the workflow's declarations and returns the resolved
 * inputs: every declared input present, defaults applied, an optional input that was not given `null` (an
 * explicit `null` counts as not given). A workflow without `inputs` accepts none.
 *
 * @throws InvalidInputError naming the input, for a key that is not declared, a missing required input, a value
 *   of the wrong type (`integer` means a whole number) or a value that is not JSON.
 */
export function resolveInputs(
  workflow: Pick<Workflow, 'name' | 'inputs'>,
  given: Record<string, unknown>,
): Record<string, JsonValue> {
  const declared = Object.keys(workflow.inputs)
  for (const name of Object.keys(given)) {
    if (Object.hasOwn(workflow.inputs, name)) continue
    throw new InvalidInputError(
      name,
      declared.length === 0
        ? `Unknown input "${name}": workflow ${workflow.name} declares no inputs. Start it without inputs.`
        : `Unknown input "${name}"${didYouMean(name, declared)}: workflow ${workflow.name} declares ${declared.join(', ')}. ` +
            'Remove it or fix its name.',
    )
  }
  const resolved: Record<string, JsonValue> = {}
  for (const [name, spec] of Object.entries(workflow.inputs)) {
    const value = Object.hasOwn(given, name) ? given[name] : undefined
    let result: JsonValue
    if (value === undefined || value === null) {
      if (spec.default !== undefined) result = spec.default
      else if (!spec.required) result = null
      else {
        throw new InvalidInputError(
          name,
          `Missing required input "${name}" (${inputTypeName(spec.type)}) of workflow ${workflow.name}. ` +
            'Give it a value when starting the execution.',
        )
      }
    } else {
      const notJson = findNonJson(value, name)
      if (notJson !== null) {
        throw new InvalidInputError(name, `Input "${name}" is not plain JSON at ${notJson}. Pass JSON data only.`)
      }
      if (!matchesInputType(value, spec.type)) {
        throw new InvalidInputError(
          name,
          `Input "${name}" must be ${inputTypeName(spec.type)}, got ${describeValue(value)}. ` +
            `Pass ${inputTypeName(spec.type)}${spec.type === 'integer' ? ' (a whole number)' : ''}.`,
        )
      }
      result = value as JsonValue
    }
    Object.defineProperty(resolved, name, { value: result, enumerable: true, writable: true, configurable: true })
  }
  return resolved
}
