/**
 * "Did you mean" suggestions for misspelled keys, step names, inputs and actions.
 */

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours cost 1. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0
  const rows = a.length + 1
  const cols = b.length + 1
  const d: number[] = new Array<number>(rows * cols).fill(0)
  for (let i = 0; i < rows; i++) d[i * cols] = i
  for (let j = 0; j < cols; j++) d[j] = j
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let best = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, d[(i - 2) * cols + j - 2]! + 1)
      }
      d[i * cols + j] = best
    }
  }
  return d[rows * cols - 1]!
}

/** Lower case without `_`, `-` and `.`, so `maxAttempts`, `max-attempts` and `max_attempts` compare equal. */
function loose(word: string): string {
  return word.toLowerCase().replace(/[_.-]/g, '')
}

/**
 * The candidate closest to `word`, when it is close enough to be a likely typo: the same word spelled in
 * another case or style (`maxAttempts` for `max_attempts`), or at most one edit per three characters away.
 */
export function closestMatch(word: string, candidates: Iterable<string>): string | undefined {
  // Long inputs are not typos of a name; comparing them would only cost time.
  if (word.length > 200) return undefined
  const limit = Math.max(1, Math.floor(word.length / 3))
  let best: string | undefined
  let bestDistance = Infinity
  for (const candidate of candidates) {
    if (candidate === word) continue
    if (loose(candidate) === loose(word)) return candidate
    if (Math.abs(candidate.length - word.length) > limit) continue
    const distance = editDistance(word, candidate)
    if (distance <= limit && distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}

/** ` (did you mean "x"?)` when there is a close candidate, else `''`; meant to be appended to a message. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const match = closestMatch(word, candidates)
  return match === undefined ? '' : ` (did you mean "${match}"?)`
}

const NAME_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789._-ABCDEFGHIJKLMNOPQRSTUVWXYZ'

/**
 * A known name one edit away from `word`, for registries that can only answer "is this name known?" (the
 * loader's `isKnownAction`): tries every swap, deletion, substitution and insertion of a name character.
 */
export function closestKnown(word: string, isKnown: (name: string) => boolean): string | undefined {
  if (word.length === 0 || word.length > 100) return undefined
  const tried = new Set<string>([word])
  const test = (candidate: string): boolean => {
    if (tried.has(candidate)) return false
    tried.add(candidate)
    return isKnown(candidate)
  }
  for (let i = 0; i + 1 < word.length; i++) {
    const swapped = word.slice(0, i) + word[i + 1]! + word[i]! + word.slice(i + 2)
    if (test(swapped)) return swapped
  }
  for (let i = 0; i < word.length; i++) {
    const deleted = word.slice(0, i) + word.slice(i + 1)
    if (test(deleted)) return deleted
  }
  for (let i = 0; i < word.length; i++) {
    for (const c of NAME_CHARS) {
      const replaced = word.slice(0, i) + c + word.slice(i + 1)
      if (test(replaced)) return replaced
    }
  }
  for (let i = 0; i <= word.length; i++) {
    for (const c of NAME_CHARS) {
      const inserted = word.slice(0, i) + c + word.slice(i)
      if (test(inserted)) return inserted
    }
  }
  return undefined
}
