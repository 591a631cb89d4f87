import { formatPath, type DefinitionPath } from './definition-path.js'
import type { SourceLocation } from './model.js'
import type { Problem } from './problems.js'
import type { SourceMap } from './source-map.js'

/** Collects the problems of one definition, locating each through the definition's source map. */
export class ProblemList {
  readonly problems: Problem[] = []
  readonly #sourceMap: SourceMap

  constructor(sourceMap: SourceMap) {
    this.#sourceMap = sourceMap
  }

  /** How many problems were found so far; compare before and after a check to see whether it added any. */
  get count(): number {
    return this.problems.length
  }

  /** Where the value (or key) at `path` was written; null when the definition has no source. */
  locate(path: DefinitionPath, at: 'key' | 'value' = 'value'): SourceLocation | null {
    return this.#sourceMap.locate(path, at)
  }

  /**
   * Adds a problem about the value at `path` (or, with `at: 'key'`, its key). `offset` points inside a string
   * value, for template errors.
   */
  add(path: DefinitionPath, message: string, at: 'key' | 'value' = 'value', offset?: number): void {
    this.problems.push({ path: formatPath(path), message, loc: this.#sourceMap.locate(path, at, offset) })
  }

  /** Adds a problem about `path` that is best shown at another place, `where` (a cycle, at its first step). */
  addAt(path: DefinitionPath, message: string, where: DefinitionPath, at: 'key' | 'value' = 'key'): void {
    this.problems.push({ path: formatPath(path), message, loc: this.#sourceMap.locate(where, at) })
  }
}
