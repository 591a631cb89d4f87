import { ExpressionError } from './expression-error.js'
import { describeValue } from './describe-value.js'
import { chargeWork, type Frame, type Thunk } from './frame.js'
import { isList, isMap } from './plain-data.js'

/**
 * CEL's comprehension macros, `list.all(x, p)`, `exists`, `exists_one`, `filter`, `map(x, t)` and
 * `map(x, p, t)`. Over a map they range over its keys, as in CEL. Each element visited is one unit of work.
 */

/** The macro names and the argument counts (the variable included) that cel-js parses as macros. */
export const MACRO_ARITIES: ReadonlyMap<string, readonly number[]> = new Map([
  ['all', [2]],
  ['exists', [2]],
  ['exists_one', [2]],
  ['filter', [2]],
  ['map', [2, 3]],
])

/** What a compiled macro needs: the range, the slot of its variable, the compiled bodies, the text for messages. */
export interface MacroParts {
  readonly name: string
  readonly range: Thunk
  readonly slot: number
  readonly bodies: readonly Thunk[]
  readonly site: string
}

/** Builds the thunk for a macro. */
export function macroThunk(parts: MacroParts): Thunk {
  const { name, range, slot, bodies, site } = parts
  const predicate = bodies[0]!
  const test = (frame: Frame): boolean => {
    const ok = predicate(frame)
    if (typeof ok === 'boolean') return ok
    throw new ExpressionError(`the condition of ${name}() must give a boolean, got ${describeValue(ok)} (in ${site})`)
  }
  switch (name) {
    case 'all':
      return (frame) => {
        const items = rangeOf(range(frame), name, site)
        for (let i = 0; i < items.length; i++) {
          step(frame, slot, items[i])
          if (!test(frame)) return false
        }
        return true
      }
    case 'exists':
      return (frame) => {
        const items = rangeOf(range(frame), name, site)
        for (let i = 0; i < items.length; i++) {
          step(frame, slot, items[i])
          if (test(frame)) return true
        }
        return false
      }
    case 'exists_one':
      return (frame) => {
        const items = rangeOf(range(frame), name, site)
        let count = 0
        for (let i = 0; i < items.length; i++) {
          step(frame, slot, items[i])
          if (test(frame) && ++count > 1) return false
        }
        return count === 1
      }
    case 'filter':
      return (frame) => {
        const items = rangeOf(range(frame), name, site)
        const out: unknown[] = []
        for (let i = 0; i < items.length; i++) {
          step(frame, slot, items[i])
          if (test(frame)) out.push(items[i])
        }
        return out
      }
    default: {
      // map(x, t) or map(x, p, t)
      const transform = bodies[bodies.length - 1]!
      const filtered = bodies.length === 2
      return (frame) => {
        const items = rangeOf(range(frame), name, site)
        const out: unknown[] = []
        for (let i = 0; i < items.length; i++) {
          step(frame, slot, items[i])
          if (!filtered || test(frame)) out.push(transform(frame))
        }
        return out
      }
    }
  }
}

function step(frame: Frame, slot: number, item: unknown): void {
  chargeWork(frame, 1)
  frame.slots[slot] = item
}

/** The elements a macro ranges over: a list's elements, or a map's keys. */
function rangeOf(value: unknown, name: string, site: string): readonly unknown[] {
  if (isList(value)) return value
  if (isMap(value)) return Object.keys(value)
  throw new ExpressionError(`${name}() needs a list or a map, got ${describeValue(value)} (in ${site})`)
}
