import { TrellisError } from '../util/index.js'
import type { SourceLocation } from './model.js'

/** One thing wrong with a workflow definition, with where it was written. */
export interface Problem {
  /** Where in the definition, in file spelling: `steps.charge.needs[0]`; `''` for the file as a whole. */
  readonly path: string
  /** What is wrong, and what to do when that is not obvious: `unknown step "validat" (did you mean "validate"?)`. */
  readonly message: string
  /** Where it was written; null for definitions that have no file (the builder). */
  readonly loc: SourceLocation | null
}

/**
 * Renders problems the way `trellis validate` prints them: a header line, then one line per problem with its
 * `file:line:column` padded to a common width, its path and its message.
 *
 * @param file Names the definition in the header (and stands in for problems whose location has no file).
 *   Defaults to the file of the first located problem, else `workflow`.
 *
 * @example
 * order.yaml: 2 problems
 *   order.yaml:14:7  steps.charge.needs[0]: unknown step "validat" (did you mean "validate"?)
 *   order.yaml:9:3   steps: cycle pack -> approve -> pack
 */
export function formatProblems(problems: readonly Problem[], file?: string): string {
  const label = file ?? problems.find((p) => p.loc?.file != null)?.loc?.file ?? 'workflow'
  const header = `${label}: ${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}`
  const places = problems.map((p) =>
    p.loc === null ? '' : `${p.loc.file ?? file ?? label}:${p.loc.line}:${p.loc.column}`,
  )
  const width = Math.max(0, ...places.map((place) => place.length))
  const lines = problems.map((p, i) => {
    const what = p.path === '' ? p.message : `${p.path}: ${p.message}`
    return width === 0 ? `  ${what}` : `  ${(places[i] ?? '').padEnd(width)}  ${what}`
  })
  return [header, ...lines].join('\n')
}

/**
 * A workflow definition (file, text or builder call) is invalid. `problems` lists every problem found, not just
 * the first; the message is {@link formatProblems} of them.
 */
export class DefinitionError extends TrellisError {
  readonly code = 'INVALID_DEFINITION'
  readonly problems: readonly Problem[]

  /** @param label Names the definition in the message's header (a file, or `workflow "name"`). */
  constructor(problems: readonly Problem[], label?: string) {
    super(formatProblems(problems, label))
    this.problems = problems
  }
}

/**
 * The inputs given to start an execution do not fit the workflow's declared `inputs`: a required input is
 * missing, a value has the wrong type, or a key is not declared. Nothing was created.
 */
export class InvalidInputError extends TrellisError {
  readonly code = 'INVALID_INPUT'
  /** The input at fault, as named by the caller or declared by the workflow. */
  readonly input: string

  constructor(input: string, message: string) {
    super(message)
    this.input = input
  }
}
