import { checkTemplate, ExpressionError, SCOPE_ROOTS, templateReferences } from '../expressions/index.js'
import type { DefinitionPath } from './definition-path.js'
import type { ProblemList } from './problem-list.js'
import { didYouMean } from './suggest.js'

/**
 * Definition-time checks of `{{ }}` templates: syntax, and names that cannot exist where the template is
 * (workflow-format.md, "Templates and expressions": "one that cannot be valid at all is a definition problem").
 */

/** Where a template is written; decides which names it may read. */
export type TemplateSite = 'vars' | 'outputs' | 'when' | 'for_each' | 'with' | 'publish' | 'sleep' | 'signal' | 'pause'

/** The names a definition declares, for checking what templates read. */
export interface DeclaredNames {
  readonly inputs: ReadonlySet<string>
  /** Names in `vars` and names any step publishes. */
  readonly vars: ReadonlySet<string>
  readonly steps: ReadonlySet<string>
}

const STEP_FIELDS = ['output', 'status', 'error']
const EXECUTION_FIELDS = ['id', 'workflow']

/** The roots a template may read at a site; `forEach` says whether the step iterates. */
function rootsAt(site: TemplateSite, forEach: boolean): readonly string[] {
  switch (site) {
    case 'vars':
      return ['inputs']
    case 'with':
      return ['inputs', 'vars', 'steps', 'execution', 'attempt', ...(forEach ? ['item', 'index'] : [])]
    case 'publish':
      return ['inputs', 'vars', 'steps', 'execution', 'attempt', 'result', ...(forEach ? ['item', 'index'] : [])]
    case 'outputs':
    case 'when':
    case 'for_each':
    case 'sleep':
    case 'signal':
    case 'pause':
      return ['inputs', 'vars', 'steps', 'execution']
  }
}

function whyNotHere(root: string, site: TemplateSite): string {
  if (site === 'vars')
    return `vars are set before any step runs, so their templates can read only inputs, not "${root}"`
  switch (root) {
    case 'result':
      return '"result" (the step\'s output) exists only inside publish'
    case 'item':
    case 'index':
      return `"${root}" exists only in the with and publish of a for_each step`
    case 'attempt':
      return '"attempt" exists only in with and publish, while a step runs'
    default:
      return `"${root}" cannot be read here`
  }
}

/** The problem with one name a template reads, or null when it may exist. */
function referenceProblem(
  ref: readonly string[],
  site: TemplateSite,
  forEach: boolean,
  names: DeclaredNames,
): string | null {
  const [root, name, field] = ref
  if (root === undefined) return null
  const allowed = rootsAt(site, forEach)
  if (!(SCOPE_ROOTS as readonly string[]).includes(root)) {
    const hint = didYouMean(root, allowed)
    return hint !== ''
      ? `unknown name "${root}"${hint}`
      : `unknown name "${root}"; templates here can read ${allowed.join(', ')}`
  }
  if (!allowed.includes(root)) return whyNotHere(root, site)
  if (name === undefined) return null
  switch (root) {
    case 'inputs':
      if (names.inputs.has(name)) return null
      if (names.inputs.size === 0) return `input "${name}" is not declared; the workflow declares no inputs`
      return `input "${name}" is not declared${didYouMean(name, names.inputs)}`
    case 'vars':
      if (names.vars.has(name)) return null
      return `variable "${name}" is neither in vars nor published by a step${didYouMean(name, names.vars)}`
    case 'steps':
      if (!names.steps.has(name)) return `unknown step "${name}"${didYouMean(name, names.steps)}`
      if (field !== undefined && !STEP_FIELDS.includes(field)) {
        return `steps.${name} has output, status and error, not "${field}"${didYouMean(field, STEP_FIELDS)}`
      }
      return null
    case 'execution':
      if (EXECUTION_FIELDS.includes(name)) return null
      return `execution has id and workflow, not "${name}"${didYouMean(name, EXECUTION_FIELDS)}`
    default:
      return null
  }
}

/** Where `root` first appears inside a template of `source`, for pointing at it; 0 when not found. */
function offsetOfName(source: string, root: string): number {
  const start = source.indexOf('{{')
  const escaped = root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const match = new RegExp(`(?<![\\w.])${escaped}(?!\\w)`).exec(source.slice(Math.max(0, start)))
  return match === null ? 0 : Math.max(0, start) + match.index
}

/**
 * Checks every string in `value` (a template value: a string, or lists and mappings holding strings) for
 * template syntax and for names that cannot exist at `site`, reporting problems at the string's path.
 */
export function checkTemplates(
  problems: ProblemList,
  value: unknown,
  path: DefinitionPath,
  site: TemplateSite,
  names: DeclaredNames,
  forEach = false,
): void {
  if (typeof value === 'string') {
    checkTemplateString(problems, value, path, site, names, forEach)
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => checkTemplates(problems, item, [...path, index], site, names, forEach))
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value))
      checkTemplates(problems, item, [...path, key], site, names, forEach)
  }
}

function checkTemplateString(
  problems: ProblemList,
  source: string,
  path: DefinitionPath,
  site: TemplateSite,
  names: DeclaredNames,
  forEach: boolean,
): void {
  if (!source.includes('{{') && !source.includes('}}')) return
  const syntax = checkTemplate(source)
  for (const problem of syntax) problems.add(path, `invalid template: ${problem.message}`, 'value', problem.offset)
  if (syntax.length > 0) return
  let refs: string[][]
  try {
    refs = templateReferences(source)
  } catch (error) {
    // checkTemplate found nothing, so this should not happen; if it does, it is still a template problem.
    if (!(error instanceof ExpressionError)) throw error
    problems.add(path, `invalid template: ${error.message}`, 'value', error.offset ?? undefined)
    return
  }
  const seen = new Set<string>()
  for (const ref of refs) {
    const message = referenceProblem(ref, site, forEach, names)
    if (message === null || seen.has(message)) continue
    seen.add(message)
    problems.add(path, message, 'value', offsetOfName(source, ref[0] ?? ''))
  }
}
