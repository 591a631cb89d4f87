import { describe, expect, it } from 'vitest'
import { silentLogger, systemClock, type Clock } from '../../util/index.js'
import { actionFailureOf } from '../action-error.js'
import type { ActionContext } from '../types.js'
import { echo, fail, noop, sleep } from './core.js'

function context(overrides: Partial<ActionContext> = {}): ActionContext {
  return {
    signal: new AbortController().signal,
    attempt: 1,
    idempotencyKey: 'exec_1/step',
    executionId: 'exec_1',
    step: 'step',
    index: null,
    logger: silentLogger,
    ...overrides,
  }
}

/** Runs an action that must fail; returns the failure as the engine reads it, and the thrown value. */
async function failure(run: () => unknown): Promise<{ code: string; message: string; retryable: boolean }> {
  try {
    await run()
  } catch (error) {
    return actionFailureOf(error)
  }
  throw new Error('expected the action to fail')
}

/** A clock whose sleeps are recorded and end only when the test says so. */
function manualClock(): Clock & { sleeps: number[]; wake(): void } {
  let wakeAll: () => void = () => {}
  const sleeps: number[] = []
  return {
    sleeps,
    now: () => 0,
    setTimer: () => () => {},
    sleep(ms) {
      sleeps.push(ms)
      return new Promise<void>((resolve) => (wakeAll = resolve))
    },
    wake: () => wakeAll(),
  }
}

describe('core.noop', () => {
  it('returns null, whatever its input', async () => {
    expect(await noop(undefined, context())).toBeNull()
    expect(await noop({ anything: 1 }, context())).toBeNull()
  })
})

describe('core.echo', () => {
  it('returns with.value as is', async () => {
    const value = { ok: true, items: [1, 'two', null] }
    expect(await echo({ value }, context())).toEqual(value)
    expect(await echo({ value: 0 }, context())).toBe(0)
  })

  it('returns null when value is missing, or there is no with', async () => {
    expect(await echo({}, context())).toBeNull()
    expect(await echo(null, context())).toBeNull()
  })

  it('refuses an unknown key (a typo) with INVALID_INPUT, not retryable', async () => {
    expect(await failure(() => echo({ valeu: 1 }, context()))).toEqual({
      code: 'INVALID_INPUT',
      message: 'core.echo: unknown key "valeu" in "with" (it takes "value")',
      retryable: false,
    })
  })
})

describe('core.fail', () => {
  it('defaults: message "failed on purpose", code ACTION_FAILED, retryable', async () => {
    expect(await failure(() => fail({}, context()))).toEqual({
      code: 'ACTION_FAILED',
      message: 'failed on purpose',
      retryable: true,
    })
    expect(await failure(() => fail(null, context()))).toMatchObject({ code: 'ACTION_FAILED' })
  })

  it('fails with the given message and code', async () => {
    expect(await failure(() => fail({ message: 'boom', code: 'PAYMENT_DOWN' }, context()))).toEqual({
      code: 'PAYMENT_DOWN',
      message: 'boom',
      retryable: true,
    })
  })

  it('retryable: false marks the error non-retryable', async () => {
    expect(await failure(() => fail({ retryable: false }, context()))).toMatchObject({ retryable: false })
  })

  it('with attempts: N it fails attempts 1..N and then returns { attempt }', async () => {
    const input = { attempts: 2, code: 'FLAKY' }
    expect(await failure(() => fail(input, context({ attempt: 1 })))).toMatchObject({ code: 'FLAKY' })
    expect(await failure(() => fail(input, context({ attempt: 2 })))).toMatchObject({ code: 'FLAKY' })
    expect(await fail(input, context({ attempt: 3 }))).toEqual({ attempt: 3 })
    expect(await fail(input, context({ attempt: 7 }))).toEqual({ attempt: 7 })
  })

  it('attempts: 0 never fails', async () => {
    expect(await fail({ attempts: 0 }, context())).toEqual({ attempt: 1 })
  })

  it.each([[{ attempts: -1 }], [{ attempts: 1.5 }], [{ attempts: '2' }], [{ retryable: 'no' }], [{ message: 3 }]])(
    'bad input %j is INVALID_INPUT, not retryable',
    async (input) => {
      expect(await failure(() => fail(input, context()))).toMatchObject({ code: 'INVALID_INPUT', retryable: false })
    },
  )
})

describe('core.sleep', () => {
  it('waits the duration on its clock, then returns null', async () => {
    const clock = manualClock()
    const action = sleep(clock)
    let done = false
    const result = Promise.resolve(action({ duration: '1m30s' }, context())).then((value) => {
      done = true
      return value
    })
    await Promise.resolve()
    expect(clock.sleeps).toEqual([90_000])
    expect(done).toBe(false)
    clock.wake()
    expect(await result).toBeNull()
  })

  it('takes a bare number as seconds', async () => {
    const clock = manualClock()
    const result = sleep(clock)({ duration: 2.5 }, context())
    await Promise.resolve()
    expect(clock.sleeps).toEqual([2_500])
    clock.wake()
    await result
  })

  it('stops at once when the attempt is aborted, failing with the abort reason', async () => {
    const controller = new AbortController()
    const started = Date.now()
    const result = sleep(systemClock)({ duration: '1h' }, context({ signal: controller.signal }))
    const reason = Object.assign(new Error('attempt timed out after 1s'), { code: 'TIMEOUT' })
    controller.abort(reason)
    await expect(result).rejects.toBe(reason)
    expect(Date.now() - started).toBeLessThan(1_000)
  })

  it('an abort without a coded reason fails with CANCELLED', async () => {
    const controller = new AbortController()
    const result = sleep(systemClock)({ duration: '1h' }, context({ signal: controller.signal }))
    controller.abort()
    expect(await failure(() => result)).toMatchObject({ code: 'CANCELLED' })
  })

  it('an attempt aborted before it starts does not sleep', async () => {
    const clock = manualClock()
    const reason = { code: 'CANCELLED', message: 'execution cancelled' }
    await expect(sleep(clock)({ duration: '1s' }, context({ signal: AbortSignal.abort(reason) }))).rejects.toBe(reason)
    expect(clock.sleeps).toEqual([])
  })

  it('a bad or missing duration is a clear INVALID_INPUT', async () => {
    expect(await failure(() => sleep(systemClock)({ duration: 'soon' }, context()))).toEqual({
      code: 'INVALID_INPUT',
      message:
        'core.sleep: "duration" must be a duration like 250ms, 30s, 5m or 1h30m, or a number of seconds; got "soon"',
      retryable: false,
    })
    expect(await failure(() => sleep(systemClock)({}, context()))).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('"duration" is required'),
    })
  })
})
