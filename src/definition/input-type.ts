import type { InputType } from './model.js'

/** Whether `value` has the declared input type (`integer` means `Number.isInteger`; `any` takes anything). */
export function matchesInputType(value: unknown, type: InputType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string'
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value)
    case 'boolean':
      return typeof value === 'boolean'
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value)
    case 'array':
      return Array.isArray(value)
    case 'any':
      return true
  }
}

/** The type with its article, for messages: `a string`, `an integer`, `an object`. */
export function inputTypeName(type: InputType): string {
  return TYPE_NAMES[type]
}

const TYPE_NAMES = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  any: 'any value',
} as const satisfies Record<InputType, string>
