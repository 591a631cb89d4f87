import { describe, expect, it } from 'vitest'
import { ActionError, actionFailureOf } from './action-error.js'

describe('ActionError', () => {
  it('carries code, message and cause, and is retryable unless told otherwise', () => {
    const cause = new Error('socket hang up')
    const error = new ActionError('CARD_DECLINED', 'card 4242 was declined', { cause })
    expect(error).toBeInstanceOf(Error)
    expect(error).toMatchObject({ name: 'ActionError', code: 'CARD_DECLINED', message: 'card 4242 was declined' })
    expect(error.retryable).toBe(true)
    expect(error.cause).toBe(cause)
    expect(new ActionError('X', 'y', { retryable: false }).retryable).toBe(false)
  })
})

describe('actionFailureOf: reads properties, never instanceof', () => {
  it('an ActionError', () => {
    expect(actionFailureOf(new ActionError('CARD_DECLINED', 'declined', { retryable: false }))).toEqual({
      code: 'CARD_DECLINED',
      message: 'declined',
      retryable: false,
    })
  })

  it('a plain object with code, message and retryable (an ActionError from another copy of Trellis)', () => {
    expect(actionFailureOf({ code: 'QUOTA', message: 'over quota', retryable: false })).toEqual({
      code: 'QUOTA',
      message: 'over quota',
      retryable: false,
    })
  })

  it('an Error without a code: ACTION_FAILED, retryable', () => {
    expect(actionFailureOf(new TypeError('x is not a function'))).toEqual({
      code: 'ACTION_FAILED',
      message: 'x is not a function',
      retryable: true,
    })
  })

  it("a Node system error's string code is kept", () => {
    const error = Object.assign(new Error("ENOENT: no such file or directory, open 'x'"), { code: 'ENOENT' })
    expect(actionFailureOf(error)).toMatchObject({ code: 'ENOENT', retryable: true })
  })

  it('a code that is not a non-empty string is ignored (DOMException has a number)', () => {
    expect(actionFailureOf(new DOMException('aborted', 'AbortError')).code).toBe('ACTION_FAILED')
    expect(actionFailureOf({ code: '', message: 'm' }).code).toBe('ACTION_FAILED')
  })

  it.each([['false'], [0], [null], [undefined], [true]])('retryable stays true unless exactly false: %j', (value) => {
    expect(actionFailureOf({ code: 'X', message: 'm', retryable: value }).retryable).toBe(true)
  })

  it('a thrown string is the message', () => {
    expect(actionFailureOf('it broke')).toEqual({ code: 'ACTION_FAILED', message: 'it broke', retryable: true })
  })

  it('other thrown values are shown as text', () => {
    expect(actionFailureOf(undefined).message).toBe('undefined')
    expect(actionFailureOf(42).message).toBe('42')
    expect(actionFailureOf({ code: 'X' }).message).toBe('{"code":"X"}')
    expect(actionFailureOf(new Error()).message).toBe('Error')
    expect(actionFailureOf(Object.create(null)).message).toBe('{}')
  })
})
