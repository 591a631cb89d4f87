import { readFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { formatPath } from './definition-path.js'
import type { Workflow } from './model.js'
import { DefinitionError, type Problem } from './problems.js'
import type { SourceMap } from './source-map.js'
import { validateDefinition } from './validate.js'
import { isWorkflowPath } from './validate-step.js'
import { readYaml } from './yaml-source.js'

/** A workflow definition's text and where it came from. */
export interface WorkflowSource {
  /**
   * YAML, or JSON (read as YAML 1.2, of which it is a subset, so problems get positions too; a file named `.json`
   * must also be valid JSON).
   */
  readonly text: string
  /** The file name shown in problems and kept in `Workflow.file`; null when there is no file. */
  readonly file: string | null
}

/** What the loader checks beyond the file itself. */
export interface LoadOptions {
  /** When given, an `action` name this returns false for is a problem (with a suggestion); when absent, not checked. */
  readonly isKnownAction?: (name: string) => boolean
  /** When given, a registered `workflow` name this returns false for is a problem; file paths are not asked about. */
  readonly isKnownWorkflow?: (name: string) => boolean
}

interface Checked {
  readonly problems: readonly Problem[]
  readonly workflow: Workflow | null
  readonly sourceMap: SourceMap
}

/**
 * For `.json` files, JSON's own syntax check: JSON is read as YAML (for positions), but a JSON file with a
 * syntax error should hear about JSON, not YAML. Null when the text is JSON, or the file is not a `.json` file.
 */
function jsonSyntaxProblem(source: WorkflowSource): Problem | null {
  if (source.file === null || !/\.json$/i.test(source.file)) return null
  try {
    JSON.parse(source.text)
    return null
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error
    const offset = Number(/ at position (\d+)/.exec(error.message)?.[1] ?? source.text.length)
    const before = source.text.slice(0, offset)
    const line = before.split('\n').length
    const column = offset - (before.lastIndexOf('\n') + 1) + 1
    const message = error.message.replace(/ in JSON at position \d+.*$/, '').replace(/, ".*" is not valid JSON$/s, '')
    return { path: '', message: `JSON: ${message}`, loc: { file: source.file, line, column } }
  }
}

function check(source: WorkflowSource, options: LoadOptions): Checked {
  const read = readYaml(source.text, source.file)
  const json = jsonSyntaxProblem(source)
  if (json !== null) return { problems: [json], workflow: null, sourceMap: read.sourceMap }
  if (read.value === undefined || read.problems.length > 0) {
    // Syntax problems make the tree unreliable; checking its meaning would mostly add confusing problems.
    return { problems: read.problems, workflow: null, sourceMap: read.sourceMap }
  }
  const result = validateDefinition(read.value, {
    sourceMap: read.sourceMap,
    file: source.file,
    isKnownAction: options.isKnownAction,
    isKnownWorkflow: options.isKnownWorkflow,
  })
  return { ...result, sourceMap: read.sourceMap }
}

/**
 * Checks a workflow definition and returns every problem, each with its path and location (an empty list when
 * it is valid). For editors and `trellis validate`. Never throws for bad input. Child workflow files are not
 * read (use {@link loadWorkflowFile} for that).
 */
export function checkWorkflow(source: WorkflowSource, options: LoadOptions = {}): Problem[] {
  return [...check(source, options).problems]
}

/**
 * Loads a workflow definition from text. `workflow` steps naming files are kept as written, but the files are
 * not read (`children` stays empty); use {@link loadWorkflowFile} for definitions that have them.
 *
 * @throws DefinitionError with every problem when the definition is invalid.
 */
export function loadWorkflow(source: WorkflowSource, options: LoadOptions = {}): Workflow {
  const { problems, workflow } = check(source, options)
  if (workflow === null) throw new DefinitionError(problems, source.file ?? undefined)
  return workflow
}

/**
 * Reads and loads a workflow file, YAML or JSON. `workflow` steps that name a file (`./child.yaml`,
 * `../shared/x.yaml`) are loaded too, relative to the file naming them, into `Workflow.children` keyed by the
 * reference as written; their children likewise.
 *
 * @throws DefinitionError with every problem of the file and its child files, including files that cannot be
 *   read and child files that (indirectly) include themselves, reported at the step naming them.
 */
export async function loadWorkflowFile(path: string, options: LoadOptions = {}): Promise<Workflow> {
  const loader = new TreeLoader(options)
  const loaded = await loader.load(path, [])
  if (typeof loaded === 'string') {
    throw new DefinitionError([{ path: '', message: `cannot read ${path}: ${loaded}`, loc: null }], path)
  }
  const problems = [...loader.problems.values()].flat()
  if (loaded === null || problems.length > 0) throw new DefinitionError(problems, path)
  return loaded
}

/** A loaded file: its workflow, null when it has problems, or why it could not be read. */
type Loaded = Workflow | null | string

/** Loads a file and its child files one at a time, each file once, collecting problems per file. */
class TreeLoader {
  /** Problems by absolute file path, so a file named twice reports its problems once. */
  readonly problems = new Map<string, Problem[]>()
  readonly #loaded = new Map<string, Loaded>()
  /** Each file's name as first written (relative to the working directory or to its parent's directory). */
  readonly #names = new Map<string, string>()
  readonly #options: LoadOptions

  constructor(options: LoadOptions) {
    this.#options = options
  }

  /** Loads `file` (named as the user or the parent wrote it); `ancestors` are the absolute paths of the files above. */
  async load(file: string, ancestors: readonly string[]): Promise<Loaded> {
    const absolute = resolve(file)
    const done = this.#loaded.get(absolute)
    if (done !== undefined) return done
    this.#names.set(absolute, file)
    const text = await readText(absolute)
    if (typeof text !== 'string') {
      this.#loaded.set(absolute, text.reason)
      return text.reason
    }
    const checked = check({ text, file }, this.#options)
    for (const problem of checked.problems) this.#add(absolute, problem)
    if (checked.workflow === null) {
      this.#loaded.set(absolute, null)
      return null
    }
    const children: Record<string, Workflow> = {}
    const trail = [...ancestors, absolute]
    for (const step of Object.values(checked.workflow.steps)) {
      if (step.kind !== 'workflow' || !isWorkflowPath(step.workflow) || Object.hasOwn(children, step.workflow)) continue
      const reference = step.workflow
      const path = ['steps', step.name, 'workflow']
      const report = (message: string): void =>
        this.#add(absolute, { path: formatPath(path), message, loc: checked.sourceMap.locate(path, 'value') })
      const childAbsolute = resolve(dirname(absolute), reference)
      const loop = trail.indexOf(childAbsolute)
      if (loop >= 0) {
        const names = [...trail.slice(loop), childAbsolute].map((p) => this.#names.get(p) ?? p)
        report(`workflow files include each other: ${names.join(' -> ')}`)
        continue
      }
      const child = await this.load(join(dirname(file), reference), trail)
      if (typeof child === 'string') report(`cannot read workflow file ${reference}: ${child}`)
      else if (child !== null) {
        Object.defineProperty(children, reference, {
          value: child,
          enumerable: true,
          writable: true,
          configurable: true,
        })
      }
    }
    const workflow = { ...checked.workflow, children }
    this.#loaded.set(absolute, workflow)
    return workflow
  }

  #add(absolute: string, problem: Problem): void {
    const list = this.problems.get(absolute)
    if (list === undefined) this.problems.set(absolute, [problem])
    else list.push(problem)
  }
}

/** Reads a file as UTF-8; a file that cannot be read gives the reason instead (errors with a Node `code`). */
async function readText(path: string): Promise<string | { reason: string }> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | null)?.code
    if (typeof code !== 'string') throw error
    return { reason: READ_FAILURES[code] ?? code }
  }
}

const READ_FAILURES: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'it is a directory',
}
