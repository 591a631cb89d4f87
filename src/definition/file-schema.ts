import { z } from 'zod'
import { BACKOFF_KINDS, FAILURE_POLICIES, INPUT_TYPES } from './model.js'

/**
 * The workflow file format (workflow-format.md) as zod schemas, in file spelling (`max_attempts`, `needs_any`).
 * The loader checks every key's value against these, so the schema and the loader cannot disagree about what
 * a key accepts; `scripts/generate-schema.ts` turns {@link workflowFileSchema} into the JSON Schema that editors
 * use. Rules that span keys (references, cycles, scope of templates) live in the validator, not here.
 */

/** Workflow names: `[a-z0-9][a-z0-9_.-]*`. */
export const WORKFLOW_NAME_PATTERN = /^[a-z0-9][a-z0-9_.-]*$/

/** Step names, and the names of inputs, vars, outputs and published variables: `[A-Za-z_][A-Za-z0-9_-]*`. */
export const STEP_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/

/** What `parseDuration` accepts: `250ms`, `30s`, `1h30m`, or a bare number of seconds. */
export const DURATION_PATTERN = /^\s*(?:\d+(?:\.\d+)?|(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+)\s*$/

/** A string that is exactly one `{{ expr }}` template (whether `expr` is valid is checked separately). */
export const SINGLE_TEMPLATE_PATTERN = /^\{\{[\s\S]*\}\}$/

/** A string that holds at least one `{{`. */
const TEMPLATE_PATTERN = /\{\{/

const DURATION_HINT = 'a duration like 250ms, 30s, 5m, 2h, 1d or 1h30m, or a number of seconds'

/** A duration: `250ms`, `30s`, `5m`, `2h`, `1d`, combinations (`1h30m`), or a bare number of seconds. */
export const durationSchema = z
  .union(
    [
      z.string().regex(DURATION_PATTERN, { error: `expected ${DURATION_HINT}` }),
      z.number().nonnegative({ error: 'a duration cannot be negative' }),
    ],
    { error: `expected ${DURATION_HINT}` },
  )
  .meta({ description: `A duration: ${DURATION_HINT}.` })

/** A template string: text holding at least one `{{ expr }}`. */
export const templateStringSchema = z
  .string()
  .regex(TEMPLATE_PATTERN)
  .meta({ description: 'A template: text with `{{ expr }}` in it.' })

/** A step name as written in `steps`. */
export const stepNameSchema = z.string().regex(STEP_NAME_PATTERN, {
  error: 'must start with a letter or _ and hold only letters, digits, _ and - ([A-Za-z_][A-Za-z0-9_-]*)',
})

/** The name of an input, a var, an output or a published variable. */
export const variableNameSchema = z.string().regex(STEP_NAME_PATTERN, {
  error: 'must start with a letter or _ and hold only letters, digits, _ and - ([A-Za-z_][A-Za-z0-9_-]*)',
})

/** A workflow's `name`. */
export const workflowNameSchema = z
  .string()
  .regex(WORKFLOW_NAME_PATTERN, {
    error: 'must start with a lowercase letter or digit and hold only a-z, 0-9, _, . and - ([a-z0-9][a-z0-9_.-]*)',
  })
  .meta({ description: 'The workflow name: lowercase letters, digits, `_`, `.` and `-`.' })

/** One input declaration. */
export const inputSpecSchema = z
  .strictObject({
    type: z.enum(INPUT_TYPES).optional().meta({ description: 'The type a given value must have. Default: `any`.' }),
    required: z
      .boolean()
      .optional()
      .meta({ description: 'Whether the input must be given. Default: true when there is no `default`.' }),
    default: z.unknown().optional().meta({ description: 'The value when the input is not given.' }),
    description: z.string().optional().meta({ description: 'What the input is for.' }),
  })
  .meta({ description: 'An input declaration.' })

/** A retry policy, merged field by field over `defaults.retry`. */
export const retrySchema = z
  .strictObject({
    max_attempts: z
      .int({ error: 'expected a whole number of attempts' })
      .min(1, { error: 'must be at least 1 (1 means no retry)' })
      .optional()
      .meta({ description: 'Total attempts, the first included. Default: 1 (no retry).' }),
    backoff: z
      .enum(BACKOFF_KINDS)
      .optional()
      .meta({ description: 'How the delay grows between attempts. Default: `exponential`.' }),
    delay: durationSchema.optional().meta({ description: 'The delay before the first retry. Default: 1s.' }),
    factor: z
      .number()
      .positive({ error: 'must be greater than 0' })
      .optional()
      .meta({ description: 'The growth factor of `exponential` backoff. Default: 2.' }),
    max_delay: durationSchema.optional().meta({ description: 'The longest delay between attempts.' }),
    jitter: z
      .boolean()
      .optional()
      .meta({ description: 'Wait a uniform random time up to the computed delay. Default: false.' }),
  })
  .meta({ description: 'Retry policy: how many attempts, and how long to wait between them.' })

const stepListSchema = (meaning: string) =>
  z.union([z.string(), z.array(z.string())]).meta({ description: `${meaning} A step name or a list of them.` })

const templateValue = (meaning: string) => z.unknown().meta({ description: meaning })

/** Keys every step may have, whatever its kind. */
const modifierShape = {
  needs: stepListSchema('Steps that must all have completed before this one is ready.').optional(),
  needs_any: stepListSchema('Steps of which at least one must have completed before this one is ready.').optional(),
  when: z
    .union([z.boolean(), z.string().regex(SINGLE_TEMPLATE_PATTERN, { error: 'must be one {{ }} template' })])
    .optional()
    .meta({ description: 'A condition, one `{{ expr }}` giving a boolean; when false the step is skipped.' }),
  publish: z
    .record(variableNameSchema, z.unknown())
    .optional()
    .meta({ description: "Workflow variables to set from this step's output (`{{ result }}`) when it completes." }),
  on_success: stepListSchema('Steps to run when this step completed.').optional(),
  on_failure: stepListSchema('Steps to run when this step failed.').optional(),
  on_complete: stepListSchema('Steps to run when this step ended, completed or failed.').optional(),
  on_timeout: stepListSchema('Steps to run when this step failed by timeout.').optional(),
}

/** Keys of steps that make attempts (`action` and `workflow`). */
const attemptShape = {
  with: templateValue('The input: any value; strings in it may hold `{{ }}` templates.').optional(),
  for_each: z
    .union([
      z.string().regex(SINGLE_TEMPLATE_PATTERN, { error: 'must be one {{ }} template giving an array' }),
      z.array(z.unknown()),
    ])
    .optional()
    .meta({ description: 'Run once per element (`{{ item }}`, `{{ index }}`): one `{{ }}` template or a list.' }),
  concurrency: z
    .int({ error: 'expected a whole number' })
    .min(1, { error: 'must be at least 1' })
    .optional()
    .meta({ description: 'With `for_each`: at most this many iterations at once. Default: all.' }),
  retry: retrySchema.optional(),
  timeout: durationSchema.optional().meta({ description: 'Limit on one attempt.' }),
}

/** An `action` step. */
export const actionStepSchema = z
  .strictObject({
    action: z
      .string()
      .min(1, { error: 'must not be empty' })
      .meta({ description: 'The registered action to run, e.g. `core.echo`.' }),
    ...attemptShape,
    ...modifierShape,
  })
  .meta({ title: 'action step', description: 'Runs a registered action with `with` as its input.' })

/** A `workflow` step. */
export const workflowStepSchema = z
  .strictObject({
    workflow: z
      .string()
      .min(1, { error: 'must not be empty' })
      .meta({ description: 'A registered workflow name, or a file path starting with `./` or `../`.' }),
    ...attemptShape,
    ...modifierShape,
  })
  .meta({ title: 'workflow step', description: 'Runs another workflow as a child execution; `with` gives its inputs.' })

/** A `sleep` step. */
export const sleepStepSchema = z
  .strictObject({
    sleep: z
      .union([durationSchema, templateStringSchema], {
        error: `expected ${DURATION_HINT}, or a {{ }} template giving one`,
      })
      .meta({ description: 'How long to sleep: a duration, or a template giving one.' }),
    ...modifierShape,
  })
  .meta({ title: 'sleep step', description: 'A durable timer.' })

/** A `wait` step's settings. */
export const waitSchema = z
  .strictObject({
    signal: z
      .string()
      .min(1, { error: 'must not be empty' })
      .meta({ description: 'The topic of the signal to wait for; may hold templates.' }),
    timeout: durationSchema.optional().meta({ description: 'Fail with code TIMEOUT when no signal came by then.' }),
  })
  .meta({ description: 'Wait for a signal.' })

/** A `wait` step. */
export const waitStepSchema = z
  .strictObject({ wait: waitSchema, ...modifierShape })
  .meta({ title: 'wait step', description: 'Parks until a signal with this topic arrives; outputs its data.' })

/** A `pause` step. */
export const pauseStepSchema = z
  .strictObject({
    pause: z.string().meta({ description: 'Why the execution pauses; may hold templates.' }),
    ...modifierShape,
  })
  .meta({ title: 'pause step', description: 'Parks this branch until an operator resumes the execution.' })

/** Each step kind's schema, by the key that names the kind. */
export const STEP_SCHEMAS = {
  action: actionStepSchema,
  workflow: workflowStepSchema,
  sleep: sleepStepSchema,
  wait: waitStepSchema,
  pause: pauseStepSchema,
} as const

/** A step: exactly one of the five kinds. */
export const stepSchema = z
  .xor([actionStepSchema, workflowStepSchema, sleepStepSchema, waitStepSchema, pauseStepSchema])
  .meta({ description: 'A step: exactly one of `action`, `workflow`, `sleep`, `wait`, `pause`, plus modifiers.' })

/** Step settings applied to every `action` and `workflow` step that does not set them. */
export const defaultsSchema = z
  .strictObject({
    retry: retrySchema.optional(),
    timeout: durationSchema.optional().meta({ description: 'Limit on one attempt.' }),
  })
  .meta({ description: 'Settings for every `action` and `workflow` step that does not set them.' })

/** A whole workflow file. */
export const workflowFileSchema = z.strictObject({
  trellis: z.literal(1).meta({ description: 'The format version: 1.' }),
  name: workflowNameSchema,
  description: z.string().optional().meta({ description: 'What the workflow does.' }),
  inputs: z
    .record(variableNameSchema, inputSpecSchema)
    .optional()
    .meta({ description: 'Declared inputs. A workflow without inputs accepts none.' }),
  vars: z
    .record(variableNameSchema, z.unknown())
    .optional()
    .meta({ description: 'Initial workflow variables; values may be templates over `inputs`.' }),
  outputs: z
    .record(variableNameSchema, z.unknown())
    .optional()
    .meta({ description: 'Outputs, rendered from templates when every step is done.' }),
  defaults: defaultsSchema.optional(),
  failure_policy: z
    .enum(FAILURE_POLICIES)
    .optional()
    .meta({ description: 'What an unhandled step failure does. Default: `fail_fast`.' }),
  timeout: durationSchema.optional().meta({ description: 'Limit on the whole execution.' }),
  steps: z
    .record(stepNameSchema, stepSchema)
    .meta({ description: 'The steps, by name. They run as their dependencies allow, not in file order.' }),
})
