import { ExpressionError } from './expression-error.js'

/**
 * The state of one render: a slot per scope root (see `SCOPE_ROOTS`) and per macro variable, and the work done so
 * far. One frame serves every expression of a template string, so the work limit covers the whole string.
 */
export interface Frame {
  readonly slots: unknown[]
  work: number
}

/** A compiled piece of an expression: gives its value for a frame. */
export type Thunk = (frame: Frame) => unknown

/**
 * Most work units one render may do. A unit is roughly one element visited: a macro iteration, an element compared
 * by `==` or `in`, an element copied by `+` or written as JSON text, 64 characters scanned by a string function.
 * CEL is not Turing-complete, but nested
 * macros over a large list are polynomial (`l.map(x, l.map(y, 1))` over 10^6 elements is 10^12 steps); this keeps
 * every render to well under a second instead of hanging the worker.
 */
export const WORK_LIMIT = 5_000_000

/** Longest string an expression or a rendered template may produce, in UTF-16 code units (32 Mi). */
export const MAX_STRING_LENGTH = 32 * 1024 * 1024

/** Creates the frame for one render of a template that needs `slotCount` slots. */
export function newFrame(slotCount: number): Frame {
  return { slots: new Array<unknown>(slotCount), work: 0 }
}

/** Adds `units` of work to the frame; throws {@link ExpressionError} when the render passes {@link WORK_LIMIT}. */
export function chargeWork(frame: Frame, units: number): void {
  frame.work += units
  if (frame.work > WORK_LIMIT) {
    throw new ExpressionError(
      `the expression does too much work (more than ${WORK_LIMIT.toLocaleString('en-US')} steps over its data)`,
    )
  }
}

/** Throws {@link ExpressionError} when a string of `length` code units would pass {@link MAX_STRING_LENGTH}. */
export function checkStringLength(length: number, site: string): void {
  if (length > MAX_STRING_LENGTH) {
    throw new ExpressionError(
      `the text would be longer than ${MAX_STRING_LENGTH.toLocaleString('en-US')} characters (in ${site})`,
    )
  }
}
