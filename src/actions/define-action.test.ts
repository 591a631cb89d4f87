import { describe, expect, expectTypeOf, it } from 'vitest'
import { silentLogger } from '../util/index.js'
import { ACTION_NAME_PATTERN, isReservedActionName } from './action-name.js'
import { actionNameOf, defineAction, type NamedAction } from './define-action.js'
import { ActionRegistrationError } from './errors.js'
import type { ActionContext } from './types.js'

const ctx: ActionContext = {
  signal: new AbortController().signal,
  attempt: 1,
  idempotencyKey: 'exec_1/charge',
  executionId: 'exec_1',
  step: 'charge',
  index: null,
  logger: silentLogger,
}

describe('defineAction', () => {
  it('returns a function that calls fn, with a readonly actionName', async () => {
    const charge = defineAction('billing.charge', async (input: { cents: number }, c) => ({
      cents: input.cents,
      key: c.idempotencyKey,
    }))
    expect(charge.actionName).toBe('billing.charge')
    expect(await charge({ cents: 5 }, ctx)).toEqual({ cents: 5, key: 'exec_1/charge' })
    expect(() => {
      ;(charge as { actionName: string }).actionName = 'other'
    }).toThrow(TypeError)
  })

  it('does not change fn, so one function can get two names', () => {
    const fn = (): number => 1
    const a = defineAction('a.one', fn)
    const b = defineAction('b.one', fn)
    expect([a.actionName, b.actionName]).toEqual(['a.one', 'b.one'])
    expect('actionName' in fn).toBe(false)
  })

  it('lets input and output types flow (an async action has its resolved type as output)', () => {
    const charge = defineAction('billing.charge', async (input: { cents: number }) => ({
      receipt: String(input.cents),
    }))
    expectTypeOf(charge).toEqualTypeOf<NamedAction<'billing.charge', { cents: number }, { receipt: string }>>()
    expectTypeOf(charge).parameter(0).toEqualTypeOf<{ cents: number }>()
    expectTypeOf(charge.actionName).toEqualTypeOf<'billing.charge'>()
  })

  it.each(['billing.charge', 'send-email', '_private', 'acme.v2.sync_users', 'a.b-c', 'X1'])('accepts %j', (name) => {
    expect(defineAction(name, () => null).actionName).toBe(name)
  })

  it.each(['', '1abc', '-a', 'a..b', '.a', 'a.', 'a b', 'a.1b', 'a/b', 'a:b', 'ä'])('refuses the name %j', (name) => {
    expect(ACTION_NAME_PATTERN.test(name)).toBe(false)
    expect(() => defineAction(name, () => null)).toThrow(ActionRegistrationError)
    expect(() => defineAction(name, () => null)).toThrow(/Invalid action name .* like "billing.charge"/)
  })

  it.each(['core', 'core.echo', 'core.mine', 'shell', 'http'])('refuses the reserved name %j', (name) => {
    expect(() => defineAction(name, () => null)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', problem: 'reserved' }),
    )
  })

  it.each(['Shell', 'shells', 'http2', 'corex', 'my.core', 'my.shell'])('does not reserve %j', (name) => {
    expect(isReservedActionName(name)).toBe(false)
    expect(defineAction(name, () => null).actionName).toBe(name)
  })

  it('refuses something that is not a function', () => {
    expect(() => defineAction('a.b', 42 as never)).toThrow('Action "a.b" (from defineAction("a.b")) must be a function')
  })
})

describe('actionNameOf: duck typing', () => {
  it('reads actionName from any function that has a string one', () => {
    const foreign = Object.assign(() => null, { actionName: 'from.elsewhere' })
    expect(actionNameOf(foreign)).toBe('from.elsewhere')
    expect(actionNameOf(defineAction('a.b', () => null))).toBe('a.b')
  })

  it('is undefined for plain functions, non-functions and non-string names', () => {
    expect(actionNameOf(() => null)).toBeUndefined()
    expect(actionNameOf({ actionName: 'obj' })).toBeUndefined()
    expect(actionNameOf(Object.assign(() => null, { actionName: 7 }))).toBeUndefined()
  })
})
