import type { JsonValue } from '../util/index.js'
import type { DefinitionPath } from './definition-path.js'
import { describeValue, isMapping } from './describe-value.js'
import {
  defaultsSchema,
  durationSchema,
  inputSpecSchema,
  STEP_NAME_PATTERN,
  workflowFileSchema,
} from './file-schema.js'
import { findCycles, type StepEdge } from './graph.js'
import { inputTypeName, matchesInputType } from './input-type.js'
import {
  DEFAULT_RETRY,
  type FailurePolicy,
  type InputSpec,
  type InputType,
  type StepSpec,
  type Workflow,
} from './model.js'
import { checkObject, checkValue, unknownKeyMessage } from './object-check.js'
import { ProblemList } from './problem-list.js'
import type { Problem } from './problems.js'
import { NO_SOURCE_MAP, type SourceMap } from './source-map.js'
import { closestMatch } from './suggest.js'
import { checkTemplates, type DeclaredNames } from './template-check.js'
import { checkStep, positiveDurationMs, readRetry, type ResolvedDefaults, type StepContext } from './validate-step.js'

/**
 * The one semantic validator: the YAML/JSON loader and the TypeScript builder both hand it a definition in file
 * shape (wire spelling), and it returns every problem at once, or the resolved {@link Workflow}.
 */

/** Options of {@link validateDefinition}. */
export interface ValidateOptions {
  /** Where each part was written; problems have no location without one. @default no locations */
  readonly sourceMap?: SourceMap
  /** The file the definition came from, recorded in `Workflow.file`. @default null */
  readonly file?: string | null
  /** When given, an `action` this returns false for is a problem. */
  readonly isKnownAction?: ((name: string) => boolean) | undefined
  /** When given, a `workflow` name (not a file path) this returns false for is a problem. */
  readonly isKnownWorkflow?: ((name: string) => boolean) | undefined
}

/** What {@link validateDefinition} found: every problem, and the workflow when there were none. */
export interface Validation {
  readonly problems: readonly Problem[]
  readonly workflow: Workflow | null
}

const TOP_KEYS = Object.keys(workflowFileSchema.shape)
const REQUIRED_TOP_KEYS = ['trellis', 'name', 'steps'] as const

/** Sets an own property, so a name like `__proto__` stays data. */
function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true })
}

/**
 * Validates a definition in file shape (what a YAML or JSON file holds) and resolves it into a
 * {@link Workflow}: defaults merged, durations in ms, `required` resolved, steps in file order.
 */
export function validateDefinition(document: unknown, options: ValidateOptions = {}): Validation {
  const problems = new ProblemList(options.sourceMap ?? NO_SOURCE_MAP)
  if (!isMapping(document)) {
    problems.add(
      [],
      document === null || document === undefined
        ? 'the definition is empty: a workflow needs at least trellis: 1, a name and steps'
        : `expected a mapping with trellis, name and steps, got ${describeValue(document)}`,
    )
    return { problems: problems.problems, workflow: null }
  }

  // Names first: templates anywhere may refer to inputs, vars and steps declared further down.
  const rawSteps = isMapping(document.steps) ? document.steps : {}
  const stepNames = Object.keys(rawSteps)
  const published = stepNames.flatMap((name) => {
    const step = rawSteps[name]
    return isMapping(step) && isMapping(step.publish) ? Object.keys(step.publish) : []
  })
  const names: DeclaredNames = {
    inputs: new Set(isMapping(document.inputs) ? Object.keys(document.inputs) : []),
    vars: new Set([...(isMapping(document.vars) ? Object.keys(document.vars) : []), ...published]),
    steps: new Set(stepNames),
  }

  const keys = Object.keys(document)
  const misspelled = new Set(keys.flatMap((key) => (TOP_KEYS.includes(key) ? [] : [closestMatch(key, TOP_KEYS)])))
  for (const key of REQUIRED_TOP_KEYS) {
    // A misspelled key ("stesp") is reported with its suggestion; "missing steps" on top of it is noise.
    if (!Object.hasOwn(document, key) && !misspelled.has(key)) {
      problems.add(
        [],
        key === 'trellis' ? 'missing "trellis: 1" (the format version)' : `missing required key "${key}"`,
      )
    }
  }

  // `defaults` is resolved before the steps that use it, but its problems keep their place in file order.
  const defaultsProblems = new ProblemList(options.sourceMap ?? NO_SOURCE_MAP)
  const defaults = checkDefaults(defaultsProblems, document.defaults)

  let inputs: Record<string, InputSpec> | null = {}
  let timeoutMs: number | null = null
  const steps: Record<string, StepSpec> = {}
  const edges: StepEdge[] = []
  let stepsOk = false
  for (const key of keys) {
    const value = document[key]
    switch (key) {
      case 'trellis':
        if (value !== 1) {
          problems.add(
            ['trellis'],
            typeof value === 'number'
              ? `unsupported format version ${value}; this Trellis reads version 1`
              : `expected 1 (the format version), got ${describeValue(value)}`,
          )
        }
        break
      case 'name':
      case 'description':
      case 'failure_policy':
        checkValue(problems, workflowFileSchema.shape[key], value, [key])
        break
      case 'timeout':
        if (checkValue(problems, durationSchema, value, [key])) {
          timeoutMs = positiveDurationMs(problems, value, [key]) ?? null
        }
        break
      case 'inputs':
        inputs = checkInputs(problems, value)
        break
      case 'vars':
      case 'outputs':
        checkTemplateMap(problems, value, key, names)
        break
      case 'defaults':
        problems.problems.push(...defaultsProblems.problems)
        break
      case 'steps': {
        if (!isMapping(value)) {
          problems.add(['steps'], `expected a mapping of step names to steps, got ${describeValue(value)}`)
          break
        }
        if (stepNames.length === 0) problems.add(['steps'], 'a workflow needs at least one step')
        const context: StepContext = {
          problems,
          names,
          defaults,
          isKnownAction: options.isKnownAction,
          isKnownWorkflow: options.isKnownWorkflow,
        }
        stepsOk = true
        for (const name of stepNames) {
          if (!STEP_NAME_PATTERN.test(name)) {
            problems.add(
              ['steps', name],
              `invalid step name "${name}": must start with a letter or _ and hold only letters, digits, _ and -`,
              'key',
            )
          }
          const checked = checkStep(context, name, value[name])
          edges.push(...checked.edges)
          if (checked.spec === null) stepsOk = false
          else setOwn(steps, name, checked.spec)
        }
        break
      }
      default:
        problems.add([key], unknownKeyMessage(key, TOP_KEYS), 'key')
    }
  }

  for (const cycle of findCycles(stepNames, edges)) {
    problems.addAt(['steps'], `cycle ${cycle.join(' -> ')}`, ['steps', cycle[0]!])
  }

  if (problems.count > 0 || inputs === null || !stepsOk) return { problems: problems.problems, workflow: null }
  return {
    problems: [],
    workflow: {
      trellis: 1,
      name: document.name as string,
      description: typeof document.description === 'string' ? document.description : null,
      inputs,
      vars: (document.vars ?? {}) as Record<string, JsonValue>,
      outputs: (document.outputs ?? {}) as Record<string, JsonValue>,
      failurePolicy: (document.failure_policy ?? 'fail_fast') as FailurePolicy,
      timeoutMs,
      steps,
      children: {},
      file: options.file ?? null,
    },
  }
}

/** Checks `defaults` and converts it; problems go to `problems`. */
function checkDefaults(problems: ProblemList, value: unknown): ResolvedDefaults {
  if (value === undefined) return { retry: {}, timeoutMs: null }
  const valid = checkObject(problems, value, defaultsSchema, ['defaults'])
  if (valid === null || !isMapping(value)) return { retry: {}, timeoutMs: null }
  const retry = valid.has('retry') ? readRetry(value.retry) : {}
  const delayMs = retry.delayMs ?? DEFAULT_RETRY.delayMs
  if (retry.maxDelayMs !== undefined && retry.maxDelayMs !== null && retry.maxDelayMs < delayMs) {
    problems.add(['defaults', 'retry', 'max_delay'], `max_delay must not be shorter than delay`)
  }
  const timeoutMs = valid.has('timeout')
    ? (positiveDurationMs(problems, value.timeout, ['defaults', 'timeout']) ?? null)
    : null
  return { retry, timeoutMs }
}

/** Checks `inputs` and resolves each declaration; null when there was a problem. */
function checkInputs(problems: ProblemList, value: unknown): Record<string, InputSpec> | null {
  if (!isMapping(value)) {
    problems.add(['inputs'], `expected a mapping of input names to declarations, got ${describeValue(value)}`)
    return null
  }
  const before = problems.count
  const inputs: Record<string, InputSpec> = {}
  for (const [name, raw] of Object.entries(value)) {
    const path: DefinitionPath = ['inputs', name]
    if (!STEP_NAME_PATTERN.test(name)) {
      problems.add(
        path,
        `invalid input name "${name}": must start with a letter or _ and hold only letters, digits, _ and -`,
        'key',
      )
    }
    const spec = raw
    const valid = checkObject(problems, spec, inputSpecSchema, path)
    if (valid === null || !isMapping(spec)) continue
    const type = (valid.has('type') ? spec.type : 'any') as InputType
    const hasDefault = Object.hasOwn(spec, 'default')
    if (hasDefault && spec.default !== null && valid.has('type') && !matchesInputType(spec.default, type)) {
      problems.add(
        [...path, 'default'],
        `must be ${inputTypeName(type)} (the declared type), got ${describeValue(spec.default)}`,
      )
    }
    const resolved: InputSpec = {
      type,
      required: typeof spec.required === 'boolean' ? spec.required : !hasDefault,
      ...(hasDefault ? { default: spec.default as JsonValue } : {}),
      description: typeof spec.description === 'string' ? spec.description : null,
    }
    setOwn(inputs, name, resolved)
  }
  return problems.count > before ? null : inputs
}

/** Checks `vars` or `outputs`: a mapping of names to template values. */
function checkTemplateMap(problems: ProblemList, value: unknown, key: 'vars' | 'outputs', names: DeclaredNames): void {
  if (!isMapping(value)) {
    problems.add([key], `expected a mapping of names to values, got ${describeValue(value)}`)
    return
  }
  for (const [name, item] of Object.entries(value)) {
    if (!STEP_NAME_PATTERN.test(name)) {
      problems.add(
        [key, name],
        `invalid name "${name}": must start with a letter or _ and hold only letters, digits, _ and -`,
        'key',
      )
    }
    checkTemplates(problems, item, [key, name], key, names)
  }
}
