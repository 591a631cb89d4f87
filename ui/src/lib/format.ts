/** How the UI writes durations, instants and values. Pure: `now` is always passed in. */

/** `850 ms`, `12 s`, `1.5 s`, `3 min 4 s`, `2 h 5 min`, `3 d 4 h`. */
export function formatDuration(ms: number): string {
  const abs = Math.max(0, ms)
  if (abs < 1_000) return `${Math.round(abs)} ms`
  if (abs < 10_000) return `${trimZero((abs / 1_000).toFixed(1))} s`
  const s = Math.round(abs / 1_000)
  if (s < 60) return `${s} s`
  const min = Math.floor(s / 60)
  if (min < 60) return s % 60 === 0 ? `${min} min` : `${min} min ${s % 60} s`
  const h = Math.floor(min / 60)
  if (h < 24) return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`
  const d = Math.floor(h / 24)
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`
}

function trimZero(text: string): string {
  return text.endsWith('.0') ? text.slice(0, -2) : text
}

/** Milliseconds between two ISO instants, or until `now` when `end` is null. Null without a start. */
export function elapsedMs(start: string | null, end: string | null, now: number): number | null {
  if (start === null) return null
  return (end === null ? now : Date.parse(end)) - Date.parse(start)
}

const pad = (n: number): string => String(n).padStart(2, '0')

/** `10:02` today; `Mar 3, 10:02` on another day. Local time, as the reader's clock shows it. */
export function formatClock(iso: string, now: number): string {
  const date = new Date(iso)
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}`
  const today = new Date(now)
  if (date.toDateString() === today.toDateString()) return time
  const month = date.toLocaleString('en', { month: 'short' })
  const year = date.getFullYear() === today.getFullYear() ? '' : ` ${date.getFullYear()}`
  return `${month} ${date.getDate()}${year}, ${time}`
}

/** `10:02:07.120`: for event logs, where order within a second matters. */
export function formatPreciseTime(iso: string): string {
  const date = new Date(iso)
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}`
}

/** `just now`, `12 s ago`, `3 min ago`, `2 h ago`, `4 d ago`: one unit, for lists. */
export function formatRelative(iso: string, now: number): string {
  const s = Math.floor((now - Date.parse(iso)) / 1_000)
  if (s < 5) return 'just now'
  if (s < 60) return `${s} s ago`
  if (s < 3_600) return `${Math.floor(s / 60)} min ago`
  if (s < 86_400) return `${Math.floor(s / 3_600)} h ago`
  return `${Math.floor(s / 86_400)} d ago`
}

/** A value as compact JSON for one line (`{"a":1}`), cut to `max` characters. */
export function formatInline(value: unknown, max = 80): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value)
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

/** `a`, `a and b`, `a, b and c` (or `a, b or c`). */
export function formatList(items: readonly string[], conjunction: 'and' | 'or' = 'and'): string {
  if (items.length <= 1) return items.join('')
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]!}`
}

/** `1 step`, `2 steps`. */
export function plural(count: number, word: string, many = `${word}s`): string {
  return `${count} ${count === 1 ? word : many}`
}
