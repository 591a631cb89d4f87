import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { silentLogger } from '../../util/index.js'
import { actionFailureOf } from '../action-error.js'
import type { ActionContext } from '../types.js'
import { shell } from './shell.js'

const scratch = realpathSync(mkdtempSync(join(tmpdir(), 'trellis-shell-')))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const run = shell()

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

async function failure(promise: unknown): Promise<{ code: string; message: string; retryable: boolean }> {
  try {
    await promise
  } catch (error) {
    return actionFailureOf(error)
  }
  throw new Error('expected the action to fail')
}

/** Polls (a real process needs real time) until `check` holds or `ms` pass. */
async function eventually(check: () => boolean, ms = 5_000): Promise<boolean> {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (check()) return true
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return check()
}

/** True when `pid` no longer runs: gone, or a zombie nobody has reaped yet (it cannot run again). */
function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return true
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? false
  } catch {
    return true
  }
}

describe('shell: output', () => {
  it('returns stdout and stderr exactly as printed, not trimmed, and exit_code 0', async () => {
    const result = await run(
      { command: "printf '  first\\n\\nlast  \\n'; printf 'warn: x' >&2; printf 'no newline'" },
      context(),
    )
    expect(result).toEqual({ stdout: '  first\n\nlast  \nno newline', stderr: 'warn: x', exit_code: 0 })
  })

  it('decodes UTF-8', async () => {
    expect((await run({ command: "printf 'héllo ✓ 日本'" }, context())).stdout).toBe('héllo ✓ 日本')
  })

  it('runs the command with /bin/sh -c (pipes, variables, and)', async () => {
    const result = await run({ command: 'x=3; echo "a b c" | wc -w && echo "x=$x"' }, context())
    expect(result.stdout.replace(/ +/g, '')).toBe('3\nx=3\n')
  })

  it('an empty output is empty text', async () => {
    expect(await run({ command: 'true' }, context())).toEqual({ stdout: '', stderr: '', exit_code: 0 })
  })
})

describe('shell: env and cwd', () => {
  it('merges env over the inherited environment; values become text; null removes a variable', async () => {
    process.env['TRELLIS_TEST_INHERITED'] = 'inherited'
    process.env['TRELLIS_TEST_REMOVED'] = 'should be gone'
    try {
      const result = await run(
        {
          command: 'echo "$GREETING|$COUNT|$FLAG|$OBJ|$TRELLIS_TEST_INHERITED|${TRELLIS_TEST_REMOVED-unset}"',
          env: { GREETING: 'hi there', COUNT: 3, FLAG: false, OBJ: { a: [1] }, TRELLIS_TEST_REMOVED: null },
        },
        context(),
      )
      expect(result.stdout).toBe('hi there|3|false|{"a":[1]}|inherited|unset\n')
    } finally {
      delete process.env['TRELLIS_TEST_INHERITED']
      delete process.env['TRELLIS_TEST_REMOVED']
    }
  })

  it('runs in cwd', async () => {
    expect((await run({ command: 'pwd', cwd: scratch }, context())).stdout).toBe(`${scratch}\n`)
  })

  it('resolves a relative cwd against the current directory', async () => {
    const result = await run({ command: 'pwd', cwd: relative(process.cwd(), scratch) }, context())
    expect(result.stdout).toBe(`${scratch}\n`)
  })

  it('a cwd that does not exist is INVALID_INPUT, not retryable', async () => {
    const missing = join(scratch, 'missing')
    expect(await failure(run({ command: 'pwd', cwd: missing }, context()))).toEqual({
      code: 'INVALID_INPUT',
      message: `shell: "cwd" ${JSON.stringify(missing)} does not exist (looked at ${missing})`,
      retryable: false,
    })
  })
})

describe('shell: failures', () => {
  it('a non-zero exit fails with EXIT_CODE, naming the code and the last lines of stderr; retryable', async () => {
    const command = 'echo out; echo "line one" >&2; echo "line two" >&2; echo "last line" >&2; exit 3'
    expect(await failure(run({ command }, context()))).toEqual({
      code: 'EXIT_CODE',
      message: 'shell: the command exited with code 3; stderr ends with: line one | line two | last line',
      retryable: true,
    })
  })

  it('only the last three stderr lines are quoted; an empty stderr is said so', async () => {
    const many = await failure(run({ command: 'for i in 1 2 3 4 5; do echo "e$i" >&2; done; exit 1' }, context()))
    expect(many.message).toBe('shell: the command exited with code 1; stderr ends with: e3 | e4 | e5')
    const quiet = await failure(run({ command: 'exit 42' }, context()))
    expect(quiet.message).toBe('shell: the command exited with code 42 (stderr was empty)')
  })

  it('a command killed by a signal fails with EXIT_CODE naming the signal', async () => {
    expect(await failure(run({ command: 'kill -KILL $$' }, context()))).toMatchObject({
      code: 'EXIT_CODE',
      message: 'shell: the command was killed by SIGKILL (stderr was empty)',
    })
  })

  it('no command is INVALID_INPUT, not retryable', async () => {
    for (const input of [{}, { command: '  ' }, null]) {
      expect(await failure(run(input, context()))).toEqual({
        code: 'INVALID_INPUT',
        message: 'shell: "command" is required: the text to run with /bin/sh -c',
        retryable: false,
      })
    }
  })

  it.each([
    [{ command: 'true', comand: 'x' }],
    [{ command: 'true', env: ['A=1'] }],
    [{ command: 'true', timeout: 'soon' }],
  ])('bad with %j is INVALID_INPUT', async (input) => {
    expect(await failure(run(input, context()))).toMatchObject({ code: 'INVALID_INPUT', retryable: false })
  })

  it('its timeout passing stops the command and fails with TIMEOUT', async () => {
    const started = Date.now()
    expect(await failure(run({ command: 'sleep 30', timeout: '200ms' }, context()))).toEqual({
      code: 'TIMEOUT',
      message: 'shell: the command did not finish within its timeout of 200ms',
      retryable: true,
    })
    expect(Date.now() - started).toBeLessThan(5_000)
  })
})

describe('shell: abort', () => {
  it('kills the whole process tree and fails with the abort reason', async () => {
    const pidFile = join(scratch, 'tree.pid')
    const controller = new AbortController()
    const result = run({ command: `sleep 300 & echo $! > ${pidFile}; wait` }, context({ signal: controller.signal }))
    expect(await eventually(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'))).toBe(true)
    const grandchild = Number(readFileSync(pidFile, 'utf8'))
    expect(processGone(grandchild)).toBe(false)

    const reason = Object.assign(new Error('execution cancelled'), { code: 'CANCELLED' })
    controller.abort(reason)
    await expect(result).rejects.toBe(reason)
    expect(await eventually(() => processGone(grandchild))).toBe(true)
  })

  it('escalates to SIGKILL after the grace period for processes that ignore SIGTERM', async () => {
    const pidFile = join(scratch, 'stubborn.pid')
    const controller = new AbortController()
    const stubborn = shell({ killGraceMs: 300 })
    const command = `trap '' TERM; sleep 300 & echo $! > ${pidFile}; wait`
    const result = stubborn({ command }, context({ signal: controller.signal }))
    expect(await eventually(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n'))).toBe(true)
    const grandchild = Number(readFileSync(pidFile, 'utf8'))

    const started = Date.now()
    controller.abort({ code: 'CANCELLED', message: 'stop' })
    await expect(result).rejects.toEqual({ code: 'CANCELLED', message: 'stop' })
    expect(Date.now() - started).toBeGreaterThanOrEqual(250) // it took the SIGKILL to end the shell
    expect(await eventually(() => processGone(grandchild))).toBe(true)
  })

  it('an abort without a coded reason fails with CANCELLED', async () => {
    const controller = new AbortController()
    const result = run({ command: 'sleep 30' }, context({ signal: controller.signal }))
    setTimeout(() => controller.abort(), 50)
    expect(await failure(result)).toMatchObject({ code: 'CANCELLED' })
  })

  it('an attempt aborted before it starts runs nothing', async () => {
    const marker = join(scratch, 'never')
    const reason = { code: 'CANCELLED', message: 'already cancelled' }
    await expect(run({ command: `touch ${marker}` }, context({ signal: AbortSignal.abort(reason) }))).rejects.toBe(
      reason,
    )
    expect(existsSync(marker)).toBe(false)
  })
})
