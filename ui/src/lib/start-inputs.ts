import type { ApiInputSpec } from '../api/types.js'
import { readJson } from './json-input.js'

/** What a form field holds: text, or a checkbox for booleans. */
export type FieldValue = string | boolean

/** The field a declared input gets in the start form. */
export function fieldKind(spec: ApiInputSpec): 'text' | 'number' | 'checkbox' | 'json' {
  switch (spec.type) {
    case 'string':
      return 'text'
    case 'number':
    case 'integer':
      return 'number'
    case 'boolean':
      return 'checkbox'
    case 'object':
    case 'array':
    case 'any':
      return 'json'
  }
}

/** A field's starting value: booleans start at their default; other fields start empty (the default applies). */
export function initialField(spec: ApiInputSpec): FieldValue {
  return spec.type === 'boolean' ? spec.default === true : ''
}

export type FieldResult =
  | { readonly ok: true; readonly value: unknown; readonly omitted: boolean }
  | { readonly ok: false; readonly message: string }

/** Reads one field as its declared type; an empty optional field is omitted, so the default applies. */
export function readField(spec: ApiInputSpec, value: FieldValue): FieldResult {
  if (typeof value === 'boolean') return { ok: true, value, omitted: false }
  if (value.trim() === '') {
    return spec.required ? { ok: false, message: 'required' } : { ok: true, value: undefined, omitted: true }
  }
  switch (spec.type) {
    case 'string':
      return { ok: true, value, omitted: false }
    case 'number':
    case 'integer': {
      const n = Number(value)
      if (!Number.isFinite(n)) return { ok: false, message: 'must be a number' }
      if (spec.type === 'integer' && !Number.isInteger(n)) return { ok: false, message: 'must be a whole number' }
      return { ok: true, value: n, omitted: false }
    }
    case 'boolean':
      return value === 'true' || value === 'false'
        ? { ok: true, value: value === 'true', omitted: false }
        : { ok: false, message: 'must be true or false' }
    case 'object':
    case 'array': {
      const parsed = readJson(value)
      if (!parsed.ok) return { ok: false, message: parsed.message }
      const isArray = Array.isArray(parsed.value)
      const isObject = typeof parsed.value === 'object' && parsed.value !== null && !isArray
      if (spec.type === 'array' ? !isArray : !isObject) return { ok: false, message: `must be a JSON ${spec.type}` }
      return { ok: true, value: parsed.value, omitted: false }
    }
    case 'any': {
      // As `--input k=v` does: JSON when it is valid JSON, a string otherwise.
      const parsed = readJson(value)
      return { ok: true, value: parsed.ok ? parsed.value : value, omitted: false }
    }
  }
}

/** Every field read at once: the inputs to send, or the problems by input name. */
export function readInputs(
  specs: Readonly<Record<string, ApiInputSpec>>,
  values: Readonly<Record<string, FieldValue>>,
): { inputs: Record<string, unknown>; problems: Record<string, string> } {
  const inputs: Record<string, unknown> = {}
  const problems: Record<string, string> = {}
  for (const [name, spec] of Object.entries(specs)) {
    const result = readField(spec, values[name] ?? initialField(spec))
    if (!result.ok) problems[name] = result.message
    else if (!result.omitted) inputs[name] = result.value
  }
  return { inputs, problems }
}
