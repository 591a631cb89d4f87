import { z } from 'zod'
import { formatDuration, parseDuration, type JsonValue } from '../util/index.js'
import type { DefinitionPath } from './definition-path.js'
import { describeValue, isMapping } from './describe-value.js'
import { STEP_SCHEMAS, WORKFLOW_NAME_PATTERN } from './file-schema.js'
import type { StepEdge } from './graph.js'
import { DEFAULT_RETRY, STEP_KINDS, type RetryPolicy, type StepBase, type StepKind, type StepSpec } from './model.js'
import { checkObject } from './object-check.js'
import { LIST_KEYS, readForEach, readStepLists, readWhen } from './step-modifiers.js'
import type { ProblemList } from './problem-list.js'
import { closestKnown, closestMatch } from './suggest.js'
import { checkTemplates, type DeclaredNames } from './template-check.js'

/**
 * Checks one step of a definition and resolves it into a {@link StepSpec}: its kind, its keys (per kind), its
 * references to other steps, its templates, durations and retry policy (merged over `defaults`).
 */

/** A retry policy in the making: the fields some level set. */
export type RetryFields = { -readonly [K in keyof RetryPolicy]?: RetryPolicy[K] }

/** `defaults`, checked and converted. */
export interface ResolvedDefaults {
  readonly retry: RetryFields
  readonly timeoutMs: number | null
}

/** What checking a step needs to know about the rest of the definition. */
export interface StepContext {
  readonly problems: ProblemList
  readonly names: DeclaredNames
  readonly defaults: ResolvedDefaults
  readonly isKnownAction?: ((name: string) => boolean) | undefined
  readonly isKnownWorkflow?: ((name: string) => boolean) | undefined
}

/** A checked step: its spec when it has no problem, and its edges to steps that exist (for cycle checks). */
export interface CheckedStep {
  readonly spec: StepSpec | null
  readonly edges: StepEdge[]
}

/** Every key any step kind may have. */
const ANY_STEP_SCHEMA = z
  .strictObject({
    ...STEP_SCHEMAS.action.shape,
    ...STEP_SCHEMAS.workflow.shape,
    ...STEP_SCHEMAS.sleep.shape,
    ...STEP_SCHEMAS.wait.shape,
    ...STEP_SCHEMAS.pause.shape,
  })
  .partial()
const ANY_STEP_KEYS: ReadonlySet<string> = new Set(Object.keys(ANY_STEP_SCHEMA.shape))
const KIND_LIST = 'action, workflow, sleep, wait or pause'

function words(list: readonly string[]): string {
  return list.length <= 1 ? (list[0] ?? '') : `${list.slice(0, -1).join(', ')} and ${list.at(-1)!}`
}

function runsAttempts(kind: StepKind | null): boolean {
  return kind === null || kind === 'action' || kind === 'workflow'
}

/** The message for a key that some step kinds have but this one does not. */
function misplacedKey(key: string, kind: StepKind): string | undefined {
  if (!ANY_STEP_KEYS.has(key)) return undefined
  if (key === 'retry' || key === 'timeout') {
    const hint = kind === 'wait' && key === 'timeout' ? ' (to limit the wait, use wait.timeout)' : ''
    return `${key} is not allowed on a ${kind} step: sleep, wait and pause steps make no attempts${hint}`
  }
  if (key === 'for_each' || key === 'concurrency' || key === 'with') {
    return `${key} is only for action and workflow steps, not ${kind} steps`
  }
  return undefined
}

/** Checks a duration that must be longer than zero; returns it in ms, or undefined after reporting a problem. */
export function positiveDurationMs(problems: ProblemList, value: unknown, path: DefinitionPath): number | undefined {
  const ms = parseDuration(value)
  if (ms === undefined) return undefined
  if (ms <= 0) {
    problems.add(path, 'must be longer than 0')
    return undefined
  }
  return ms
}

/** Reads a retry mapping that passed its schema. */
export function readRetry(raw: unknown): RetryFields {
  const fields: RetryFields = {}
  if (!isMapping(raw)) return fields
  if (typeof raw.max_attempts === 'number') fields.maxAttempts = raw.max_attempts
  if (typeof raw.backoff === 'string') fields.backoff = raw.backoff as RetryPolicy['backoff']
  if (raw.delay !== undefined) fields.delayMs = parseDuration(raw.delay)
  if (typeof raw.factor === 'number') fields.factor = raw.factor
  if (raw.max_delay !== undefined) fields.maxDelayMs = parseDuration(raw.max_delay)
  if (typeof raw.jitter === 'boolean') fields.jitter = raw.jitter
  return fields
}

/** Checks and resolves one step. */
export function checkStep(ctx: StepContext, name: string, raw: unknown): CheckedStep {
  const { problems } = ctx
  const path = ['steps', name]
  if (!isMapping(raw)) {
    problems.add(
      path,
      raw === null
        ? `the step is empty: give it one of ${KIND_LIST}`
        : `expected a step (a mapping with one of ${KIND_LIST}), got ${describeValue(raw)}`,
      'key',
    )
    return { spec: null, edges: [] }
  }
  const before = problems.count
  const kinds = STEP_KINDS.filter((k) => Object.hasOwn(raw, k))
  const kind = kinds.length === 1 ? kinds[0]! : null
  if (kinds.length === 0) {
    // A misspelled kind ("actoin") is reported as an unknown key with its suggestion; saying "no kind" too is noise.
    const misspelled = Object.keys(raw).some((k) => !ANY_STEP_KEYS.has(k) && closestMatch(k, STEP_KINDS) !== undefined)
    if (!misspelled) problems.add(path, `the step has no kind: give it one of ${KIND_LIST}`, 'key')
  } else if (kinds.length > 1) {
    problems.add(path, `the step has ${kinds.length} kinds (${words(kinds)}); keep exactly one of ${KIND_LIST}`, 'key')
  }

  const handled = new Set<string>(['when', ...LIST_KEYS.map(([key]) => key)])
  if (runsAttempts(kind)) handled.add('for_each')
  const schema = kind === null ? ANY_STEP_SCHEMA : STEP_SCHEMAS[kind]
  const valid =
    checkObject(problems, raw, schema, path, {
      handled,
      unknownKey: (key) => (kind === null ? undefined : misplacedKey(key, kind)),
      required: kind !== null,
    }) ?? new Set<string>()

  const lists = readStepLists(problems, ctx.names, raw, path)
  const when = readWhen(problems, raw, path, ctx.names)
  const forEach = runsAttempts(kind) ? readForEach(problems, raw, path, ctx.names) : null
  if (valid.has('concurrency') && !Object.hasOwn(raw, 'for_each')) {
    problems.add([...path, 'concurrency'], 'concurrency only applies together with for_each', 'key')
  }
  const iterates = Object.hasOwn(raw, 'for_each')
  if (valid.has('with')) checkTemplates(problems, raw.with, [...path, 'with'], 'with', ctx.names, iterates)
  if (valid.has('publish')) checkTemplates(problems, raw.publish, [...path, 'publish'], 'publish', ctx.names, iterates)

  let retry: RetryPolicy = { ...DEFAULT_RETRY }
  let timeoutMs: number | null = null
  if (runsAttempts(kind)) {
    retry = mergeRetry(ctx, raw, valid, path)
    timeoutMs = valid.has('timeout')
      ? (positiveDurationMs(problems, raw.timeout, [...path, 'timeout']) ?? null)
      : ctx.defaults.timeoutMs
  }
  const body = kind === null ? null : readKind(ctx, kind, raw, valid, path)

  if (problems.count > before || kind === null || body === null || when === undefined || forEach === undefined) {
    return { spec: null, edges: lists.edges }
  }
  const base: StepBase = {
    name,
    needs: lists.needs,
    needsAny: lists.needs_any,
    when,
    forEach,
    concurrency: typeof raw.concurrency === 'number' ? raw.concurrency : null,
    retry,
    timeoutMs,
    publish: isMapping(raw.publish) ? (raw.publish as Record<string, JsonValue>) : {},
    onSuccess: lists.on_success,
    onFailure: lists.on_failure,
    onComplete: lists.on_complete,
    onTimeout: lists.on_timeout,
    loc: problems.locate(path, 'key'),
  }
  return { spec: { ...base, ...body }, edges: lists.edges }
}

/** Merges the step's `retry` over `defaults.retry` and the built-in defaults; checks `max_delay >= delay`. */
function mergeRetry(
  ctx: StepContext,
  raw: Record<string, unknown>,
  valid: ReadonlySet<string>,
  path: DefinitionPath,
): RetryPolicy {
  const own = valid.has('retry') ? readRetry(raw.retry) : {}
  const merged: RetryPolicy = { ...DEFAULT_RETRY, ...ctx.defaults.retry, ...own }
  if (merged.maxDelayMs !== null && merged.maxDelayMs < merged.delayMs) {
    // When both came from defaults, the problem was reported there once.
    const key = own.maxDelayMs !== undefined ? 'max_delay' : own.delayMs !== undefined ? 'delay' : null
    if (key !== null) {
      ctx.problems.add(
        [...path, 'retry', key],
        `max_delay (${formatDuration(merged.maxDelayMs)}) is shorter than delay (${formatDuration(merged.delayMs)})` +
          (own.maxDelayMs === undefined || own.delayMs === undefined ? ', counting defaults.retry' : ''),
      )
    }
  }
  return merged
}

type KindBody =
  | { kind: 'action'; action: string; with: JsonValue }
  | { kind: 'workflow'; workflow: string; with: JsonValue }
  | { kind: 'sleep'; sleep: string | number }
  | { kind: 'wait'; signal: string; waitTimeoutMs: number | null }
  | { kind: 'pause'; reason: string }

/** Checks what the kind key says; returns the kind's fields, or null when they have a problem. */
function readKind(
  ctx: StepContext,
  kind: StepKind,
  raw: Record<string, unknown>,
  valid: ReadonlySet<string>,
  path: DefinitionPath,
): KindBody | null {
  const { problems, names } = ctx
  if (!valid.has(kind)) return null
  const keyPath = [...path, kind]
  const input = (valid.has('with') ? raw.with : undefined) ?? {}
  switch (kind) {
    case 'action': {
      const action = raw.action as string
      if (ctx.isKnownAction !== undefined && !ctx.isKnownAction(action)) {
        const match = closestKnown(action, ctx.isKnownAction)
        problems.add(keyPath, `unknown action "${action}"${match === undefined ? '' : ` (did you mean "${match}"?)`}`)
        return null
      }
      return { kind, action, with: input as JsonValue }
    }
    case 'workflow': {
      const workflow = raw.workflow as string
      return checkWorkflowReference(ctx, workflow, keyPath) ? { kind, workflow, with: input as JsonValue } : null
    }
    case 'sleep': {
      const sleep = raw.sleep as string | number
      if (typeof sleep === 'string' && sleep.includes('{{')) {
        const before = problems.count
        checkTemplates(problems, sleep, keyPath, 'sleep', names)
        return problems.count > before ? null : { kind, sleep }
      }
      return parseDuration(sleep) === undefined ? null : { kind, sleep }
    }
    case 'wait': {
      const wait = raw.wait as { signal: string; timeout?: unknown }
      const before = problems.count
      checkTemplates(problems, wait.signal, [...keyPath, 'signal'], 'signal', names)
      const waitTimeoutMs =
        wait.timeout === undefined
          ? null
          : (positiveDurationMs(problems, wait.timeout, [...keyPath, 'timeout']) ?? null)
      return problems.count > before ? null : { kind, signal: wait.signal, waitTimeoutMs }
    }
    case 'pause': {
      const reason = raw.pause as string
      const before = problems.count
      checkTemplates(problems, reason, keyPath, 'pause', names)
      return problems.count > before ? null : { kind, reason }
    }
  }
}

/** True when `reference` is a file path (`./x.yaml`, `../x.yaml`) rather than a registered workflow name. */
export function isWorkflowPath(reference: string): boolean {
  return reference.startsWith('./') || reference.startsWith('../')
}

function checkWorkflowReference(ctx: StepContext, workflow: string, path: DefinitionPath): boolean {
  if (isWorkflowPath(workflow)) return true
  const known = ctx.isKnownWorkflow?.(workflow)
  if (known === true) return true
  if (/\.(ya?ml|json)$/i.test(workflow) || !WORKFLOW_NAME_PATTERN.test(workflow)) {
    const asPath = workflow.startsWith('/') ? '' : ` (did you mean "./${workflow}"?)`
    const looksLikeFile = /\.(ya?ml|json)$/i.test(workflow) || workflow.includes('/')
    ctx.problems.add(
      path,
      looksLikeFile
        ? `a workflow file must be named by a path starting with ./ or ../${asPath}`
        : `"${workflow}" is neither a workflow name ([a-z0-9][a-z0-9_.-]*) nor a file path starting with ./ or ../`,
    )
    return false
  }
  if (known === false) {
    const match = closestKnown(workflow, ctx.isKnownWorkflow!)
    ctx.problems.add(path, `unknown workflow "${workflow}"${match === undefined ? '' : ` (did you mean "${match}"?)`}`)
    return false
  }
  return true
}
