/** One step of a path into a definition: a key of a mapping or an index into a list. */
export type PathSegment = string | number

/** A path into a definition, from the root. */
export type DefinitionPath = readonly PathSegment[]

const PLAIN_KEY = /^[A-Za-z0-9_-]+$/

/**
 * Renders a path the way problems show it: `steps.charge.needs[0]`, `steps.x.with["a.b"]`; `''` for the root.
 * Keys that are not plain words are quoted so the path can be read back without ambiguity.
 */
export function formatPath(path: DefinitionPath): string {
  let text = ''
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`
    else if (PLAIN_KEY.test(segment)) text += text === '' ? segment : `.${segment}`
    else text += `[${JSON.stringify(segment)}]`
  }
  return text
}
