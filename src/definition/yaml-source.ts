import { Composer, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, Parser } from 'yaml'
import type { CST, Node as YamlNode, Pair, ParsedNode, Scalar, YAMLError } from 'yaml'
import type { JsonValue } from '../util/index.js'
import { formatPath, type PathSegment } from './definition-path.js'
import type { Problem } from './problems.js'
import { newSpot, TextSourceMap, type Spot } from './source-map.js'

/**
 * Reads YAML (and JSON, which is YAML 1.2) into plain JSON values plus a source map, so every later problem can
 * point at a line and column. Bad input never throws: syntax errors, duplicate keys, aliases that refer to
 * nothing or to themselves, values JSON cannot hold, and documents nested or expanded beyond reason all come
 * back as problems.
 */

/** Deepest nesting of mappings and lists accepted; real workflows stay far below it. */
export const MAX_NESTING = 64

/** Most values that aliases may expand to, against "billion laughs" documents. */
export const MAX_ALIAS_VALUES = 10_000

/** Most YAML syntax errors reported one by one. */
const MAX_YAML_ERRORS = 10

/** What {@link readYaml} found. */
export interface YamlSource {
  /** The document as JSON; `undefined` when it could not be read at all (then `problems` says why). */
  readonly value: JsonValue | undefined
  readonly sourceMap: TextSourceMap
  readonly problems: Problem[]
}

/** Reads a YAML or JSON document. Never throws for bad input. */
export function readYaml(text: string, file: string | null): YamlSource {
  // Line starts from the text itself: the parser does not report the line breaks inside tokens it fails on.
  const lines = new LineCounter()
  lines.addNewLine(0)
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines.addNewLine(i + 1)
  // Parse to a CST first: the parser keeps its own stack, so deep nesting cannot overflow ours. The composer
  // recurses, so it only sees documents whose depth has been checked.
  const tokens = Array.from(new Parser().parse(text))
  const sourceMap = new TextSourceMap(text, file, lines)
  const problems: Problem[] = []
  const report = (offset: number, message: string, path: readonly PathSegment[] = []): void => {
    problems.push({ path: formatPath(path), message, loc: sourceMap.at(offset) })
  }

  const tooDeep = findTooDeep(tokens)
  if (tooDeep !== null) {
    report(tooDeep, `nested deeper than ${MAX_NESTING} levels`)
    return { value: undefined, sourceMap, problems }
  }

  // Duplicate keys are found below in linear time; the yaml package's own check is quadratic in the map size.
  const composer = new Composer({ uniqueKeys: false, merge: false, prettyErrors: false, version: '1.2' })
  const docs = Array.from(composer.compose(tokens, true, text.length))
  const doc = docs[0]
  if (doc === undefined) {
    report(0, 'the file holds no YAML document')
    return { value: undefined, sourceMap, problems }
  }
  for (const extra of docs.slice(1)) {
    report(extra.range[0], 'a workflow file holds one YAML document; remove the second one (after "---")')
  }
  const yamlErrors: YAMLError[] = [...doc.errors, ...doc.warnings]
  // One mistake can make the parser stumble over everything after it; the first few errors are the useful ones.
  for (const error of yamlErrors.slice(0, MAX_YAML_ERRORS)) report(error.pos[0], `YAML: ${firstLine(error.message)}`)
  const rest = yamlErrors[MAX_YAML_ERRORS]
  if (rest !== undefined) {
    report(
      rest.pos[0],
      `YAML: ${yamlErrors.length - MAX_YAML_ERRORS} more errors from here on; fix the ones above first`,
    )
  }
  if (doc.errors.length > 0 || docs.length > 1) return { value: undefined, sourceMap, problems }

  const contents = doc.contents
  if (contents === null) return { value: null, sourceMap, problems }
  sourceMap.root = spotFor(null, contents)
  const value = new NodeReader(report).read(contents, sourceMap.root, [], 0)
  return { value, sourceMap, problems }
}

function firstLine(message: string): string {
  const line = message.split('\n', 1)[0] ?? message
  // prettyErrors is off, but some messages still end in " at line L, column C:"; the location is ours to add.
  return line.replace(/ at line \d+, column \d+:?$/, '').trim()
}

/** The offset of a collection nested deeper than {@link MAX_NESTING}, or null. Iterative on purpose. */
function findTooDeep(tokens: readonly CST.Token[]): number | null {
  const stack: [CST.Token, number][] = tokens.map((token) => [token, 0])
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!
    if (token.type === 'document') {
      if (token.value !== undefined) stack.push([token.value, depth])
    } else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      if (depth + 1 > MAX_NESTING) return token.offset
      for (const item of token.items as CST.CollectionItem[]) {
        if (item.key != null) stack.push([item.key, depth + 1])
        if (item.value !== undefined) stack.push([item.value, depth + 1])
      }
    }
  }
  return null
}

/** Thrown inside {@link NodeReader} to stop reading once a limit was hit and reported; never escapes it. */
class ReadLimitReached extends Error {}

type Report = (offset: number, message: string, path: readonly PathSegment[]) => void

/** Converts yaml nodes to JSON values, recording where each was written. */
class NodeReader {
  readonly #report: Report
  /** The node each anchor name refers to, as of the point in the document being read. */
  readonly #anchors = new Map<string, YamlNode>()
  /** Collections being read right now (the current node's ancestors), to refuse an alias inside its own anchor. */
  readonly #open = new Set<YamlNode>()
  #aliasValues = 0

  constructor(report: Report) {
    this.#report = report
  }

  read(node: ParsedNode, spot: Spot, path: PathSegment[], depth: number): JsonValue | undefined {
    try {
      return this.#node(node, spot, path, depth, false)
    } catch (error) {
      if (error instanceof ReadLimitReached) return undefined
      throw error
    }
  }

  /**
   * @param spot Where to record positions; null inside alias expansions, whose problems point at the alias.
   * @param viaAlias True inside an alias expansion: anchors there were registered when first read.
   */
  #node(node: YamlNode | null, spot: Spot | null, path: PathSegment[], depth: number, viaAlias: boolean): JsonValue {
    if (node === null) return null
    if (depth > MAX_NESTING) this.#stop(offsetOf(node), `nested deeper than ${MAX_NESTING} levels`, path)
    if (viaAlias && ++this.#aliasValues > MAX_ALIAS_VALUES) {
      this.#stop(offsetOf(node), `aliases expand to more than ${MAX_ALIAS_VALUES} values; write the values out`, path)
    }
    if (!viaAlias && node.anchor !== undefined) this.#anchors.set(node.anchor, node)

    if (isAlias(node)) {
      const target = this.#anchors.get(node.source)
      if (target === undefined) {
        this.#report(offsetOf(node), `alias *${node.source} refers to no anchor &${node.source} before it`, path)
        return null
      }
      if (this.#open.has(target)) {
        this.#report(offsetOf(node), `alias *${node.source} is inside the value it refers to`, path)
        return null
      }
      return this.#node(target, null, path, depth, true)
    }
    if (isScalar(node)) return this.#scalar(node, path)
    this.#open.add(node)
    try {
      return this.#collection(node, spot, path, depth, viaAlias)
    } finally {
      this.#open.delete(node)
    }
  }

  #collection(node: YamlNode, spot: Spot | null, path: PathSegment[], depth: number, viaAlias: boolean): JsonValue {
    if (isMap(node)) {
      const result: Record<string, JsonValue> = {}
      const seen = new Set<string>()
      for (const pair of node.items) this.#pair(pair, result, seen, spot, path, depth, viaAlias)
      return result
    }
    if (isSeq(node)) {
      const result: JsonValue[] = []
      node.items.forEach((item, index) => {
        const child = item as YamlNode | Pair | null
        path.push(index)
        if (isPair(child)) {
          // `[a: 1]`: a single-pair mapping inside a flow list.
          const map: Record<string, JsonValue> = {}
          const itemSpot = spot === null ? null : record(spot, index, newSpot(null, offsetOf(child.key as YamlNode)))
          this.#pair(child, map, new Set(), itemSpot, path, depth + 1, viaAlias)
          result.push(map)
        } else {
          const itemSpot = spot === null || child === null ? null : record(spot, index, spotFor(null, child))
          result.push(this.#node(child, itemSpot, path, depth + 1, viaAlias))
        }
        path.pop()
      })
      return result
    }
    this.#report(offsetOf(node), 'this YAML node is not supported here', path)
    return null
  }

  #pair(
    pair: Pair,
    into: Record<string, JsonValue>,
    seen: Set<string>,
    spot: Spot | null,
    path: PathSegment[],
    depth: number,
    viaAlias: boolean,
  ): void {
    const keyNode = pair.key as YamlNode | null
    const valueNode = pair.value as YamlNode | null
    const keyOffset = keyNode === null ? offsetOf(valueNode) : offsetOf(keyNode)
    const key = this.#key(keyNode, keyOffset, path)
    if (key === undefined) return
    path.push(key)
    if (seen.has(key)) {
      this.#report(keyOffset, `duplicate key "${key}"; each key may appear once`, path)
    } else {
      seen.add(key)
      const valueOffset = valueNode === null ? keyOffset : offsetOf(valueNode)
      const childSpot =
        spot === null
          ? null
          : record(spot, key, valueNode === null ? newSpot(keyOffset, valueOffset) : spotFor(keyOffset, valueNode))
      // Written with defineProperty so a key like "__proto__" stays a plain own property.
      Object.defineProperty(into, key, {
        value: this.#node(valueNode, childSpot, path, depth + 1, viaAlias),
        enumerable: true,
        writable: true,
        configurable: true,
      })
    }
    path.pop()
  }

  #key(node: YamlNode | null, offset: number, path: PathSegment[]): string | undefined {
    let keyNode = node
    if (isAlias(keyNode)) keyNode = this.#anchors.get(keyNode.source) ?? null
    if (!isScalar(keyNode)) {
      this.#report(
        offset,
        node === null ? 'a key is missing before ":"' : 'keys must be plain text, not lists or mappings',
        path,
      )
      return undefined
    }
    const value: unknown = keyNode.value
    if (typeof value === 'string') return value
    if (typeof value === 'number' || typeof value === 'boolean') return String(value)
    this.#report(offset, value === null ? 'a key is missing before ":"' : 'keys must be plain text', path)
    return undefined
  }

  #scalar(node: Scalar, path: PathSegment[]): JsonValue {
    const value: unknown = node.value
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return value
    if (typeof value === 'number') {
      if (Number.isFinite(value)) return value
      this.#report(offsetOf(node), `${String(value)} is not a number JSON can hold`, path)
      return null
    }
    this.#report(offsetOf(node), `${node.tag ?? 'this value'} is not plain JSON (text, number, boolean or null)`, path)
    return null
  }

  #stop(offset: number, message: string, path: readonly PathSegment[]): never {
    this.#report(offset, message, path)
    throw new ReadLimitReached(message)
  }
}

function offsetOf(node: YamlNode | null | undefined): number {
  return node?.range?.[0] ?? 0
}

function spotFor(keyOffset: number | null, node: YamlNode): Spot {
  if (isScalar(node) && typeof node.value === 'string' && node.range !== undefined && node.range !== null) {
    const [start, end] = node.range
    return newSpot(keyOffset, start, { type: node.type, start, end, value: node.value })
  }
  return newSpot(keyOffset, offsetOf(node))
}

function record(parent: Spot, segment: PathSegment, child: Spot): Spot {
  parent.children.set(segment, child)
  return child
}
