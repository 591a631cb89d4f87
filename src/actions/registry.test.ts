import { describe, expect, it } from 'vitest'
import { BUILT_IN_ACTION_NAMES } from './action-name.js'
import { defineAction } from './define-action.js'
import { ActionNotFoundError, ActionRegistrationError } from './errors.js'
import { ActionRegistry, createActionRegistry } from './registry.js'

const one = (): number => 1
const two = (): number => 2

function thrown(fn: () => unknown): ActionRegistrationError {
  try {
    fn()
  } catch (error) {
    if (error instanceof ActionRegistrationError) return error
    throw error
  }
  throw new Error('expected an ActionRegistrationError')
}

describe('ActionRegistry', () => {
  it('createActionRegistry() holds exactly the built-ins; new ActionRegistry() is empty', () => {
    expect(createActionRegistry().names()).toEqual([...BUILT_IN_ACTION_NAMES].sort())
    expect(createActionRegistry().originOf('shell')).toBe('built-in')
    expect(new ActionRegistry().names()).toEqual([])
  })

  it('registers, finds and lists actions', () => {
    const registry = new ActionRegistry()
    registry.register('b.two', two, 'test#two')
    registry.register('a.one', one, 'test#one')
    expect(registry.get('a.one')).toBe(one)
    expect(registry.find('b.two')).toBe(two)
    expect(registry.find('c')).toBeUndefined()
    expect(registry.has('a.one')).toBe(true)
    expect(registry.has('c')).toBe(false)
    expect(registry.names()).toEqual(['a.one', 'b.two'])
    expect(registry.originOf('a.one')).toBe('test#one')
  })

  it.each(['core.noop', 'core.custom', 'core', 'shell', 'http'])('a built-in name cannot be taken: %j', (name) => {
    for (const registry of [createActionRegistry(), new ActionRegistry()]) {
      const error = thrown(() => registry.register(name, one, './mine.ts#thing'))
      expect(error).toMatchObject({ code: 'INVALID_OPTION', problem: 'reserved', actionName: name })
      expect(error.message).toContain(
        `Action name "${name}" (from ./mine.ts#thing) is reserved for the built-in actions`,
      )
    }
  })

  it('a duplicate name is an error that names both places', () => {
    const registry = createActionRegistry()
    registry.register('billing.charge', one, './a.ts#charge')
    const error = thrown(() => registry.register('billing.charge', two, './b.ts#charge'))

    expect(error).toMatchObject({ code: 'INVALID_OPTION', problem: 'duplicate', takenBy: './a.ts#charge' })
    expect(error.message).toBe(
      'Action name "billing.charge" is taken twice: by ./a.ts#charge and by ./b.ts#charge. Rename one of them.',
    )
    expect(registry.get('billing.charge')).toBe(one)
  })

  it('the same function under the same name again is a no-op (a builder names one action in many workflows)', () => {
    const registry = new ActionRegistry()
    const charge = defineAction('billing.charge', one)
    registry.register(charge.actionName, charge, 'workflow a')
    registry.register(charge.actionName, charge, 'workflow b')
    expect(registry.originOf('billing.charge')).toBe('workflow a')
  })

  it('registerAll registers all or nothing, and checks the batch against itself', () => {
    const registry = new ActionRegistry()
    registry.register('taken', one, 'first')
    expect(() =>
      registry.registerAll([
        { name: 'fresh', fn: one, origin: 'm#fresh' },
        { name: 'taken', fn: two, origin: 'm#taken' },
      ]),
    ).toThrow('taken twice: by first and by m#taken')
    expect(registry.has('fresh')).toBe(false)

    const error = thrown(() =>
      registry.registerAll([
        { name: 'twin', fn: one, origin: 'm#a' },
        { name: 'twin', fn: two, origin: 'm#b' },
      ]),
    )
    expect(error.message).toContain('by m#a and by m#b')
  })

  it('refuses invalid names and values that are not functions', () => {
    const registry = new ActionRegistry()
    expect(thrown(() => registry.register('not valid', one, 'here'))).toMatchObject({ problem: 'invalid-name' })
    expect(thrown(() => registry.register('ok', 'text' as never, 'm#ok')).message).toBe(
      'Action "ok" (from m#ok) must be a function; got string.',
    )
  })

  it('get() of an unknown name throws NOT_FOUND with a close suggestion', () => {
    const registry = createActionRegistry()
    registry.register('billing.charge', one, 'm#charge')
    const error: unknown = (() => {
      try {
        return registry.get('biling.charge')
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(ActionNotFoundError)
    expect(error).toMatchObject({ code: 'NOT_FOUND', actionName: 'biling.charge' })
    expect((error as Error).message).toContain('Unknown action "biling.charge" (did you mean "billing.charge"?)')
    expect(() => registry.get('zzz')).toThrow(/^Unknown action "zzz"\. Register it/)
  })
})

describe('ActionRegistry: types', () => {
  it('accepts actions with typed input', () => {
    const registry = new ActionRegistry()
    const typed = defineAction('typed.one', (input: { n: number }) => input.n)
    registry.register(typed.actionName, typed, 'test')
    registry.registerAll([{ name: 'typed.two', fn: (input: string[]) => input.length, origin: 'test' }])
    expect(registry.names()).toEqual(['typed.one', 'typed.two'])
  })
})
