import type { JsonValue } from '../util/index.js'
import type { BackoffKind, FailurePolicy, InputType, StepKind, TemplateValue, Workflow } from './model.js'

/** A duration: `'250ms'`, `'30s'`, `'1h30m'`, or a number of seconds. */
export type Duration = string | number

/** An action implementation the builder may be given instead of a name. */
export type ActionFunction = (input: never, ctx: never) => unknown

/** JSON as a literal may be written in code (`as const` arrays included). */
export type JsonLiteral =
  null | boolean | number | string | readonly JsonLiteral[] | { readonly [key: string]: JsonLiteral }

/** A retry policy in builder spelling; merged field by field over `defaults.retry`. */
export interface RetryOptions {
  /** Total attempts, the first included. @default 1 */
  readonly maxAttempts?: number
  /** @default 'exponential' */
  readonly backoff?: BackoffKind
  /** Delay before the first retry. @default '1s' */
  readonly delay?: Duration
  /** Growth factor of exponential backoff. @default 2 */
  readonly factor?: number
  /** Longest delay between attempts. */
  readonly maxDelay?: Duration
  /** Wait a uniform random time up to the computed delay. @default false */
  readonly jitter?: boolean
}

/** One input declaration, as in a file. */
export interface InputDeclaration {
  /** @default 'any' */
  readonly type?: InputType
  /** @default true when there is no default */
  readonly required?: boolean
  readonly default?: JsonLiteral
  readonly description?: string
}

/** The options of {@link defineWorkflow} (everything of a file but `name` and `steps`). */
export interface WorkflowOptions<I extends Record<string, InputDeclaration>> {
  readonly description?: string
  /** Declared inputs; their types type {@link WorkflowInputs} and `w.input()`. */
  readonly inputs?: I
  /** Initial variables; values may be templates over `inputs`. */
  readonly vars?: Record<string, TemplateValue>
  /** Outputs, templates rendered when every step is done (see also `w.output()`). */
  readonly outputs?: Record<string, TemplateValue>
  /** Settings for every action and workflow step that does not set them. */
  readonly defaults?: { readonly retry?: RetryOptions; readonly timeout?: Duration }
  /** @default 'fail_fast' */
  readonly failurePolicy?: FailurePolicy
  /** Limit on the whole execution. */
  readonly timeout?: Duration
}

/** Key of the type-only property of {@link StepHandle} that carries the output type; never set. */
export const OUTPUT_TYPE: unique symbol = Symbol('trellis.outputType')
/** Key of the type-only property of {@link DefinedWorkflow} that carries the input types; never set. */
export const INPUTS_TYPE: unique symbol = Symbol('trellis.inputsType')

/**
 * A step the builder defined. Other steps name it by this handle (`needs: [validate]`), so a misspelled step is
 * a compile error. `Output` is the step's output type when the builder knows it (an action function's result).
 */
export interface StepHandle<Name extends string = string, Output = unknown> {
  readonly name: Name
  readonly kind: StepKind
  /** A template that reads this step's output: `{{ steps["name"].output }}`. */
  readonly output: string
  /** Type-only: carries `Output`; never set. */
  readonly [OUTPUT_TYPE]?: Output
}

/** Options every step takes. */
export interface StepOptions {
  /** Steps that must all have completed first. */
  readonly needs?: readonly StepHandle[]
  /** Steps of which at least one must have completed first. */
  readonly needsAny?: readonly StepHandle[]
  /** A condition: one `{{ }}` template giving a boolean, or a boolean. */
  readonly when?: string | boolean
  /** Workflow variables to set from this step's output (`{{ result }}`). */
  readonly publish?: Record<string, TemplateValue>
  readonly onSuccess?: readonly StepHandle[]
  readonly onFailure?: readonly StepHandle[]
  readonly onComplete?: readonly StepHandle[]
  readonly onTimeout?: readonly StepHandle[]
}

/** Options of steps that make attempts: `w.action` and `w.workflow`. */
export interface RunStepOptions extends StepOptions {
  /** The input (or the child's inputs); strings may hold templates. */
  readonly with?: TemplateValue
  /** Run once per element: one `{{ }}` template giving an array, or a literal array. */
  readonly forEach?: string | readonly JsonLiteral[]
  /** With `forEach`: most iterations at once. @default all */
  readonly concurrency?: number
  readonly retry?: RetryOptions
  /** Limit on one attempt. */
  readonly timeout?: Duration
}

/** Options of `w.wait`. */
export interface WaitOptions extends StepOptions {
  /** The signal topic to wait for; may hold templates. */
  readonly signal: string
  /** Fail with code TIMEOUT when no signal came by then. */
  readonly timeout?: Duration
}

type InputValue<D extends InputDeclaration> = D['type'] extends 'string'
  ? string
  : D['type'] extends 'number' | 'integer'
    ? number
    : D['type'] extends 'boolean'
      ? boolean
      : D['type'] extends 'object'
        ? { [key: string]: JsonValue }
        : D['type'] extends 'array'
          ? JsonValue[]
          : JsonValue

type IsOptional<D> = D extends { readonly default: unknown }
  ? true
  : D extends { readonly required: false }
    ? true
    : false

/** The input values a workflow declared with `inputs: I` accepts: required ones required, typed by `type`. */
export type InputValues<I extends Record<string, InputDeclaration>> = {
  -readonly [K in keyof I as IsOptional<I[K]> extends true ? never : K]: InputValue<I[K]>
} & {
  -readonly [K in keyof I as IsOptional<I[K]> extends true ? K : never]?: InputValue<I[K]> | null
}

/** A {@link Workflow} that also carries, as a type only, the inputs it accepts. */
export type DefinedWorkflow<Inputs> = Workflow & { readonly [INPUTS_TYPE]?: Inputs }

/** The inputs a workflow made by {@link defineWorkflow} accepts; `Record<string, unknown>` for any other. */
export type WorkflowInputs<W> = W extends { readonly [INPUTS_TYPE]?: infer I }
  ? unknown extends I
    ? Record<string, unknown>
    : I
  : never

/** The output type of a step handle. */
export type StepOutput<H> = H extends StepHandle<string, infer O> ? O : never

/** What the builder callback is given: one method per step kind. */
export interface WorkflowBuilder<I extends Record<string, InputDeclaration>> {
  /**
   * Adds an `action` step. `action` is a registered action's name, or a function: it is registered under its
   * `actionName` (what `defineAction` sets) or else as `<workflow>.<step>`.
   */
  action<const N extends string, A extends string | ActionFunction>(
    name: N,
    action: A,
    options?: RunStepOptions,
  ): StepHandle<N, A extends (...args: never[]) => infer R ? Awaited<R> : unknown>
  /**
   * Adds a `workflow` step: a registered workflow by name; a workflow made by `defineWorkflow` (carried in
   * `children` under its name, its action functions merged into this one's); or a file path (`./child.yaml`),
   * kept as written: a builder has no file to resolve it against, so nothing loads it here.
   */
  workflow<const N extends string>(name: N, workflow: string | Workflow, options?: RunStepOptions): StepHandle<N>
  /** Adds a `sleep` step: a durable timer. */
  sleep<const N extends string>(name: N, duration: Duration, options?: StepOptions): StepHandle<N, null>
  /** Adds a `wait` step: parks until a signal with the topic arrives; its output is the signal's data. */
  wait<const N extends string>(name: N, options: WaitOptions): StepHandle<N>
  /** Adds a `pause` step: parks this branch until an operator resumes the execution. */
  pause<const N extends string>(name: N, reason: string, options?: StepOptions): StepHandle<N, null>
  /** Sets an output (a template over inputs, vars, steps and execution). */
  output(name: string, value: TemplateValue): void
  /** A template reading a declared input: `w.input('amount')` is `'{{ inputs.amount }}'`. */
  input(name: keyof I & string): string
}
