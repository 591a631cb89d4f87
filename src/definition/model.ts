import type { JsonValue } from '../util/index.js'

/**
 * The normalized workflow model. The YAML/JSON loader and the TypeScript builder both produce it, and it is
 * plain JSON on purpose: an execution stores a snapshot of its definition, so a worker or `resume` can run it
 * without the file. Wire spellings (`max_attempts`) live only in files; this model is camelCase.
 */

/** Where something was written, for messages. `line` and `column` count from 1. */
export interface SourceLocation {
  readonly file: string | null
  readonly line: number
  readonly column: number
}

/** A value from a workflow file in which any string may hold `{{ }}` templates. */
export type TemplateValue = JsonValue

export const INPUT_TYPES = ['string', 'number', 'integer', 'boolean', 'object', 'array', 'any'] as const
export type InputType = (typeof INPUT_TYPES)[number]

/** One declared input. `required` is already resolved (true when there is no default, unless said otherwise). */
export interface InputSpec {
  readonly type: InputType
  readonly required: boolean
  /** `undefined` when there is no default; an optional input without a default is `null`. */
  readonly default?: JsonValue
  readonly description: string | null
}

export const BACKOFF_KINDS = ['constant', 'linear', 'exponential'] as const
export type BackoffKind = (typeof BACKOFF_KINDS)[number]

/** A fully resolved retry policy (defaults and `defaults.retry` merged in). */
export interface RetryPolicy {
  /** Total attempts, the first included; 1 means no retry. */
  readonly maxAttempts: number
  readonly backoff: BackoffKind
  readonly delayMs: number
  readonly factor: number
  readonly maxDelayMs: number | null
  readonly jitter: boolean
}

/** The spec's retry defaults: one attempt, exponential from 1s, factor 2, no cap, no jitter. */
export const DEFAULT_RETRY: RetryPolicy = Object.freeze({
  maxAttempts: 1,
  backoff: 'exponential',
  delayMs: 1_000,
  factor: 2,
  maxDelayMs: null,
  jitter: false,
})

export const FAILURE_POLICIES = ['fail_fast', 'continue'] as const
export type FailurePolicy = (typeof FAILURE_POLICIES)[number]

export const TRANSITION_KEYS = ['on_success', 'on_failure', 'on_complete', 'on_timeout'] as const
export type TransitionKey = (typeof TRANSITION_KEYS)[number]

/** What every step has, whatever its kind. */
export interface StepBase {
  readonly name: string
  readonly needs: readonly string[]
  readonly needsAny: readonly string[]
  /** Template source of the condition (`"{{ vars.total > 0 }}"`), or null. */
  readonly when: string | null
  /** Template source giving the array to iterate, or null. Only `action` and `workflow` steps iterate. */
  readonly forEach: string | null
  /** With `forEach`: most iterations at once; null means all. */
  readonly concurrency: number | null
  /** Resolved policy; for `sleep`, `wait` and `pause` always `DEFAULT_RETRY` (they have no attempts). */
  readonly retry: RetryPolicy
  /** Limit on one attempt; null for none. Always null for `sleep`, `wait` and `pause`. */
  readonly timeoutMs: number | null
  /** Variable name to template over `result`. */
  readonly publish: Readonly<Record<string, TemplateValue>>
  readonly onSuccess: readonly string[]
  readonly onFailure: readonly string[]
  readonly onComplete: readonly string[]
  readonly onTimeout: readonly string[]
  readonly loc: SourceLocation | null
}

/** A step: exactly one of five kinds. */
export type StepSpec =
  | (StepBase & { readonly kind: 'action'; readonly action: string; readonly with: TemplateValue })
  | (StepBase & {
      readonly kind: 'workflow'
      /** As written: a registered name, or a path starting with `./` or `../`. */
      readonly workflow: string
      readonly with: TemplateValue
    })
  | (StepBase & {
      readonly kind: 'sleep'
      /** As written: a duration, or a template giving one. */
      readonly sleep: string | number
    })
  | (StepBase & {
      readonly kind: 'wait'
      /** Topic template; fixed when the step parks. */
      readonly signal: string
      readonly waitTimeoutMs: number | null
    })
  | (StepBase & { readonly kind: 'pause'; readonly reason: string })

export type StepKind = StepSpec['kind']
export const STEP_KINDS = ['action', 'workflow', 'sleep', 'wait', 'pause'] as const satisfies readonly StepKind[]

/** A validated workflow definition. */
export interface Workflow {
  /** Format version; always 1. */
  readonly trellis: 1
  readonly name: string
  readonly description: string | null
  readonly inputs: Readonly<Record<string, InputSpec>>
  readonly vars: Readonly<Record<string, TemplateValue>>
  readonly outputs: Readonly<Record<string, TemplateValue>>
  readonly failurePolicy: FailurePolicy
  /** Limit on the whole execution; null for none. */
  readonly timeoutMs: number | null
  /** Steps in the order they were written. */
  readonly steps: Readonly<Record<string, StepSpec>>
  /**
   * Child workflows named by file path in `workflow` steps, loaded with this one and keyed by the reference as
   * written (`./child.yaml`), so a stored snapshot is complete.
   */
  readonly children: Readonly<Record<string, Workflow>>
  /** The file it was loaded from, or null (builder, API). */
  readonly file: string | null
}
