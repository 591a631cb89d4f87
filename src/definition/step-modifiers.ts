import { checkTemplate } from '../expressions/index.js'
import type { DefinitionPath } from './definition-path.js'
import { describeValue } from './describe-value.js'
import type { EdgeKind, StepEdge } from './graph.js'
import type { ProblemList } from './problem-list.js'
import { didYouMean } from './suggest.js'
import { checkTemplates, type DeclaredNames } from './template-check.js'

/**
 * The step modifiers that name other steps or hold conditions: `needs`, `needs_any`, the transitions, `when` and
 * `for_each`.
 */

/** The keys holding step names, and the edge each makes. */
export const LIST_KEYS = [
  ['needs', 'needs'],
  ['needs_any', 'needs_any'],
  ['on_success', 'on_success'],
  ['on_failure', 'on_failure'],
  ['on_complete', 'on_complete'],
  ['on_timeout', 'on_timeout'],
] as const satisfies readonly (readonly [string, EdgeKind])[]

/** True when `source` is exactly one `{{ expr }}` (workflow-format.md: `when` and `for_each` take that form). */
export function isSingleTemplate(source: string): boolean {
  return source.length >= 4 && source.startsWith('{{') && source.endsWith('}}') && source.indexOf('{{', 2) === -1
}

/** A step's `needs`, `needs_any` and transitions, read, with its edges to steps that exist. */
export type StepLists = Record<(typeof LIST_KEYS)[number][0], string[]> & { edges: StepEdge[] }

/** Reads `needs`, `needs_any` and the transitions: a step name or a list of them, each naming a step. */
export function readStepLists(
  problems: ProblemList,
  names: DeclaredNames,
  raw: Record<string, unknown>,
  path: DefinitionPath,
): StepLists {
  const name = String(path[1])
  const lists = { edges: [] } as unknown as StepLists
  for (const [key, kind] of LIST_KEYS) {
    const value = raw[key]
    const out: string[] = []
    lists[key] = out
    if (value === undefined) continue
    const keyPath = [...path, key]
    // GitHub Actions users write `needs: build`; a single name means a list of one.
    const items: readonly unknown[] | null = typeof value === 'string' ? [value] : Array.isArray(value) ? value : null
    if (items === null) {
      problems.add(keyPath, `expected a step name or a list of step names, got ${describeValue(value)}`)
      continue
    }
    items.forEach((item, index) => {
      const itemPath = typeof value === 'string' ? keyPath : [...keyPath, index]
      if (typeof item !== 'string') {
        problems.add(itemPath, `expected a step name, got ${describeValue(item)}`)
      } else if (!names.steps.has(item)) {
        problems.add(itemPath, `unknown step "${item}"${didYouMean(item, names.steps)}`)
      } else if (out.includes(item)) {
        problems.add(itemPath, `step "${item}" is listed twice`)
      } else {
        out.push(item)
        const transition = kind !== 'needs' && kind !== 'needs_any'
        lists.edges.push(transition ? { from: name, to: item, kind } : { from: item, to: name, kind })
      }
    })
  }
  return lists
}

/** Reads `when`: a boolean, or one `{{ }}` template. Returns the template source, null, or undefined on a problem. */
export function readWhen(
  problems: ProblemList,
  raw: Record<string, unknown>,
  path: DefinitionPath,
  names: DeclaredNames,
): string | null | undefined {
  const value = raw.when
  if (value === undefined) return null
  const keyPath = [...path, 'when']
  // A literal boolean is kept as the equivalent template, so the model has one form.
  if (typeof value === 'boolean') return `{{ ${String(value)} }}`
  if (typeof value !== 'string') {
    problems.add(keyPath, `expected true, false or a {{ }} template, got ${describeValue(value)}`)
    return undefined
  }
  if (!isSingleTemplate(value)) {
    const hint = value.includes('{{') ? '' : `, like "{{ ${value.trim()} }}"`
    problems.add(keyPath, `must be a single {{ }} template giving true or false${hint}`)
    return undefined
  }
  const before = problems.count
  checkTemplates(problems, value, keyPath, 'when', names)
  return problems.count > before ? undefined : value
}

/**
 * Reads `for_each`: one `{{ }}` template, or a literal list (kept as the equivalent template). Returns the
 * template source, null, or undefined on a problem.
 */
export function readForEach(
  problems: ProblemList,
  raw: Record<string, unknown>,
  path: DefinitionPath,
  names: DeclaredNames,
): string | null | undefined {
  const value = raw.for_each
  if (value === undefined) return null
  const keyPath = [...path, 'for_each']
  if (Array.isArray(value)) {
    // The list is data, not templates: its strings are taken as written. JSON is also an expression literal.
    const source = `{{ ${JSON.stringify(value)} }}`
    if (source.slice(2, -2).includes('{{') || source.slice(2, -2).includes('}}') || checkTemplate(source).length > 0) {
      problems.add(
        keyPath,
        'a literal for_each list is not rendered and cannot hold "{{" or "}}"; write the whole list as one {{ }} template',
      )
      return undefined
    }
    return source
  }
  if (typeof value !== 'string') {
    problems.add(keyPath, `expected a list or a {{ }} template giving one, got ${describeValue(value)}`)
    return undefined
  }
  if (!isSingleTemplate(value)) {
    const hint = value.includes('{{') ? '' : `, like "{{ ${value.trim()} }}"`
    problems.add(keyPath, `must be a list or a single {{ }} template giving one${hint}`)
    return undefined
  }
  const before = problems.count
  checkTemplates(problems, value, keyPath, 'for_each', names)
  return problems.count > before ? undefined : value
}
