import type { LineCounter, Scalar } from 'yaml'
import type { DefinitionPath, PathSegment } from './definition-path.js'
import type { SourceLocation } from './model.js'

/** Finds where a part of a definition was written. */
export interface SourceMap {
  /**
   * Where the value at `path` (or, with `at: 'key'`, its key) was written. When the path was not written (a
   * missing key), the nearest enclosing part that was. `offset` points inside a string value: the location of
   * that character when it can be mapped exactly, else the start of the string. Null when there is no source.
   */
  locate(path: DefinitionPath, at: 'key' | 'value', offset?: number): SourceLocation | null
}

/** The source map of definitions that have no source text (the builder). */
export const NO_SOURCE_MAP: SourceMap = { locate: () => null }

/** Where one node of the YAML document sits in the text. */
export interface Spot {
  /** Offset of the key naming this node, null for list items and the root. */
  readonly key: number | null
  /** Offset of the value. */
  readonly value: number
  /** For string scalars: how it was written, to map offsets inside the string to the text. */
  readonly scalar: ScalarSpot | null
  readonly children: Map<PathSegment, Spot>
}

/** How a string scalar was written. */
export interface ScalarSpot {
  readonly type: Scalar['type']
  readonly start: number
  readonly end: number
  readonly value: string
}

/** Creates a {@link Spot}. */
export function newSpot(key: number | null, value: number, scalar: Spot['scalar'] = null): Spot {
  return { key, value, scalar, children: new Map() }
}

/** A {@link SourceMap} over YAML (or JSON) text, built by the YAML reader. */
export class TextSourceMap implements SourceMap {
  /** Positions of the document's nodes; the reader fills it in. */
  root: Spot = newSpot(null, 0)
  readonly #text: string
  readonly #file: string | null
  readonly #lines: LineCounter

  constructor(text: string, file: string | null, lines: LineCounter) {
    this.#text = text
    this.#file = file
    this.#lines = lines
  }

  /** The location of a character offset in the text. */
  at(offset: number): SourceLocation {
    const clamped = Math.max(0, Math.min(offset, this.#text.length))
    const { line, col } = this.#lines.linePos(clamped)
    return { file: this.#file, line: Math.max(1, line), column: Math.max(1, col) }
  }

  locate(path: DefinitionPath, at: 'key' | 'value', offset?: number): SourceLocation {
    let spot = this.root
    for (const segment of path) {
      const child = spot.children.get(segment)
      if (child === undefined) return this.at(spot.key ?? spot.value)
      spot = child
    }
    if (at === 'key') return this.at(spot.key ?? spot.value)
    if (offset !== undefined && spot.scalar !== null) return this.at(this.#offsetInScalar(spot.scalar, offset))
    return this.at(spot.value)
  }

  /**
   * Maps an offset inside a string's value to the text by walking both side by side; folded line breaks and
   * indentation are skipped. Escapes and block scalars do not map one to one: those fall back to the start.
   */
  #offsetInScalar(scalar: ScalarSpot, offset: number): number {
    if (scalar.type !== 'PLAIN' && scalar.type !== 'QUOTE_DOUBLE' && scalar.type !== 'QUOTE_SINGLE') return scalar.start
    const text = this.#text
    const value = scalar.value
    const end = Math.min(scalar.end, text.length)
    let j = scalar.type === 'PLAIN' ? scalar.start : scalar.start + 1
    for (let i = 0; i < offset && i < value.length; i++) {
      if (j >= end) return scalar.start
      const v = value[i]
      if (v === text[j]) {
        j++
      } else if ((v === ' ' || v === '\n') && isSpace(text[j])) {
        while (j < end && isSpace(text[j])) j++
      } else {
        return scalar.start
      }
    }
    return j
  }
}

function isSpace(char: string | undefined): boolean {
  return char === ' ' || char === '\t' || char === '\n' || char === '\r'
}
