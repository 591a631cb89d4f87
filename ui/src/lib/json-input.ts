/** The result of reading a JSON text typed by someone: the value, or what is wrong and where. */
export type JsonInput =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string }

/** Parses `text` as JSON; an empty text is `emptyValue` (absent by default). */
export function readJson(text: string, emptyValue?: unknown): JsonInput {
  if (text.trim() === '') return { ok: true, value: emptyValue }
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch (error) {
    return { ok: false, message: describeJsonError(text, error) }
  }
}

/**
 * The engine's message without the text it echoes, with line and column when it gives a position:
 * `Expected double-quoted property name (line 1, column 9)`.
 */
function describeJsonError(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  const position = /at position (\d+)/.exec(message)
  const base = message.replace(/, ".*" is not valid JSON$/s, '').replace(/ in JSON at position \d+.*$/s, '')
  if (position === null) return base
  const before = text.slice(0, Number(position[1])).split('\n')
  return `${base} (line ${before.length}, column ${before[before.length - 1]!.length + 1})`
}
