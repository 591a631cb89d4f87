import { z } from 'zod'
import type { DefinitionPath, PathSegment } from './definition-path.js'
import { describeValue, isMapping } from './describe-value.js'
import type { ProblemList } from './problem-list.js'
import { didYouMean } from './suggest.js'

/**
 * Checks parts of a definition against the zod schemas of `file-schema.ts`, turning zod's issues into problems
 * with plain-language messages. Mappings are walked here key by key (so an unknown key is reported at the key,
 * with a suggestion); zod checks the values.
 */

/** What {@link checkObject} needs of a strict object schema: its keys' schemas. */
export interface ObjectSchema {
  readonly shape: Readonly<Record<string, z.ZodType>>
}

const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
  null: 'null',
}

function expectedName(expected: string): string {
  return EXPECTED[expected] ?? expected
}

/** Messages for zod's issues when the schema did not set its own. */
const messageFor: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return 'required, but missing'
    return `expected ${expectedName(issue.expected)}, got ${describeValue(issue.input)}`
  }
  if (issue.code === 'invalid_value') {
    const values = issue.values.map((v) => JSON.stringify(v))
    const list = values.length === 1 ? values[0]! : `${values.slice(0, -1).join(', ')} or ${values.at(-1)!}`
    const hint = typeof issue.input === 'string' ? didYouMean(issue.input, issue.values.map(String)) : ''
    return `expected ${list}, got ${describeValue(issue.input)}${hint}`
  }
  if (issue.code === 'too_small') {
    if (issue.origin === 'string') return 'must not be empty'
    if (issue.origin === 'array') return `must have at least ${String(issue.minimum)} items`
    return issue.inclusive
      ? `must be at least ${String(issue.minimum)}`
      : `must be greater than ${String(issue.minimum)}`
  }
  if (issue.code === 'too_big') {
    return issue.inclusive ? `must be at most ${String(issue.maximum)}` : `must be less than ${String(issue.maximum)}`
  }
  if (issue.code === 'invalid_union') {
    // "expected a string or a list, got 5", from what each branch expected at the top.
    const expected = issue.errors.map((branch) => {
      const top = branch.find((i) => i.code === 'invalid_type' && i.path.length === 0)
      return top !== undefined && top.code === 'invalid_type' ? expectedName(top.expected) : undefined
    })
    if (expected.every((e) => e !== undefined)) {
      const list = [...new Set(expected)]
      const names =
        list.length > 1 ? `${list.slice(0, -1).join(', ')} or ${list.at(-1)!}` : (list[0] ?? 'something else')
      return `expected ${names}, got ${describeValue(issue.input)}`
    }
  }
  return undefined
}

interface ValueIssue {
  readonly path: PathSegment[]
  readonly message: string
  readonly at: 'key' | 'value'
}

function flatten(issues: readonly z.core.$ZodIssue[], prefix: readonly PathSegment[]): ValueIssue[] {
  const out: ValueIssue[] = []
  for (const issue of issues) {
    const path = [...prefix, ...issue.path.filter((s): s is PathSegment => typeof s !== 'symbol')]
    if (issue.code === 'invalid_union') {
      // When exactly one branch got past the type check and failed deeper (a list with a bad item), that
      // branch's issues say more than "expected a string or a list".
      const deep = issue.errors.filter((branch) => branch.length > 0 && branch.every((i) => i.path.length > 0))
      if (deep.length === 1) {
        out.push(...flatten(deep[0]!, path))
        continue
      }
    }
    if (issue.code === 'invalid_key') {
      const reason = issue.issues[0]?.message ?? issue.message
      out.push({ path, message: `invalid name "${String(path.at(-1))}": ${reason}`, at: 'key' })
      continue
    }
    out.push({ path, message: issue.message, at: 'value' })
  }
  return out
}

/** Checks one value against a schema; reports every issue under `path`. Returns true when it is valid. */
export function checkValue(problems: ProblemList, schema: z.ZodType, value: unknown, path: DefinitionPath): boolean {
  const result = schema.safeParse(value, { error: messageFor })
  if (result.success) return true
  for (const issue of flatten(result.error.issues, path)) problems.add(issue.path, issue.message, issue.at)
  return false
}

/** `unknown key "x" (did you mean "y"?)`; YAML merge keys get their own explanation. */
export function unknownKeyMessage(key: string, candidates: readonly string[]): string {
  if (key === '<<') return 'merge keys (<<) are not supported; write the keys out (aliases like *name work)'
  return `unknown key "${key}"${didYouMean(key, candidates)}`
}

/** Options of {@link checkObject}. */
export interface CheckObjectOptions {
  /** Keys the caller checks itself; skipped here. */
  readonly handled?: ReadonlySet<string>
  /** A message for a key the schema does not have, instead of "unknown key"; `undefined` to use the default. */
  readonly unknownKey?: (key: string) => string | undefined
  /** Keys to suggest for a misspelled one. Default: the schema's keys. */
  readonly suggestions?: readonly string[]
  /** Also report missing required keys. @default true */
  readonly required?: boolean
}

/**
 * Checks a mapping against a strict object schema: the value must be a mapping, unknown keys are reported at the
 * key (with "did you mean"), required keys that are missing at the mapping, and each value against its schema
 * (nested strict objects are walked the same way). Returns the keys whose values are valid, or null when
 * `value` is not a mapping at all.
 */
export function checkObject(
  problems: ProblemList,
  value: unknown,
  schema: ObjectSchema,
  path: DefinitionPath,
  options: CheckObjectOptions = {},
): Set<string> | null {
  if (!isMapping(value)) {
    problems.add(path, `expected a mapping, got ${describeValue(value)}`)
    return null
  }
  const shape = schema.shape
  const valid = new Set<string>()
  const suggestions = options.suggestions ?? Object.keys(shape)
  for (const key of Object.keys(value)) {
    if (options.handled?.has(key) === true) continue
    const keySchema = Object.hasOwn(shape, key) ? shape[key] : undefined
    if (keySchema === undefined) {
      const message = options.unknownKey?.(key) ?? unknownKeyMessage(key, suggestions)
      problems.add([...path, key], message, 'key')
      continue
    }
    const inner = keySchema instanceof z.ZodOptional ? keySchema.unwrap() : keySchema
    if (inner instanceof z.ZodObject) {
      const before = problems.count
      checkObject(problems, value[key], inner, [...path, key])
      if (problems.count === before) valid.add(key)
    } else if (checkValue(problems, keySchema, value[key], [...path, key])) {
      valid.add(key)
    }
  }
  if (options.required !== false) {
    for (const [key, keySchema] of Object.entries(shape)) {
      if (!keySchema.isOptional() && !Object.hasOwn(value, key) && options.handled?.has(key) !== true) {
        problems.add(path, `missing required key "${key}"`, 'key')
      }
    }
  }
  return valid
}
