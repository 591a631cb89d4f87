import { isList, isMap } from './plain-data.js'

/** The name of a value's type as messages say it: `null`, `boolean`, `number`, `string`, `list` or `map`. */
export function typeName(value: unknown): string {
  if (value === null) return 'null'
  if (isList(value)) return 'list'
  if (isMap(value)) return 'map'
  return typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string' ? typeof value : 'value'
}

const PREVIEW_LENGTH = 40

/** A value for a message: `number 3`, `string "abc"`, `list [1,2]`, `null`; long values are cut with `…`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  return `${typeName(value)} ${preview(value)}`
}

/** Cuts `text` to about `max` characters, marking the cut with `…`. */
export function truncate(text: string, max = 60): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}

/** Compact JSON-like text of a value, stopping once it passes PREVIEW_LENGTH (so huge or deep values stay cheap). */
function preview(value: unknown): string {
  const out: string[] = []
  let length = 0
  const push = (s: string): boolean => {
    out.push(s)
    length += s.length
    return length < PREVIEW_LENGTH
  }
  const write = (v: unknown): boolean => {
    if (isList(v)) {
      if (!push('[')) return false
      for (let i = 0; i < v.length; i++) {
        if (i > 0 && !push(',')) return false
        if (!write(v[i])) return false
      }
      return push(']')
    }
    if (isMap(v)) {
      if (!push('{')) return false
      let first = true
      for (const key of Object.keys(v)) {
        if (!first && !push(',')) return false
        first = false
        if (!push(`${JSON.stringify(key)}:`)) return false
        if (!write(v[key])) return false
      }
      return push('}')
    }
    return push(typeof v === 'string' ? JSON.stringify(v) : String(v))
  }
  write(value)
  return truncate(out.join(''), PREVIEW_LENGTH)
}
