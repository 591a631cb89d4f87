import { spawn, type ChildProcess } from 'node:child_process'
import { stat } from 'node:fs/promises'
import { constants } from 'node:os'
import { resolve } from 'node:path'
import { formatDuration } from '../../util/index.js'
import { ActionError } from '../action-error.js'
import type { Action } from '../types.js'
import { abortError } from './abort.js'
import { describeValue, invalidInput, optionalDurationMs, optionalString, readWith } from './input.js'

/** What `shell` returns: the output exactly as printed, not trimmed. */
export interface ShellOutput {
  readonly stdout: string
  readonly stderr: string
  readonly exit_code: number
}

/** Settings of the `shell` action that are not part of its `with`. */
export interface ShellActionOptions {
  /** How long a stopped command's process group gets between SIGTERM and SIGKILL. @default 2_000 */
  readonly killGraceMs?: number
}

const KNOWN_KEYS = ['command', 'cwd', 'env', 'timeout'] as const
const STDERR_TAIL_LINES = 3
const STDERR_TAIL_CHARS = 500

/**
 * `shell`: runs `command` with `/bin/sh -c` in `cwd` (relative to the current directory), with `env` merged over
 * this process's environment (values turned into text; `null` removes a variable), and returns
 * `{ stdout, stderr, exit_code }`. Fails with code `EXIT_CODE` on a non-zero exit, `TIMEOUT` when `timeout` passes,
 * the abort reason when the attempt is aborted. A stopped command's whole process group gets SIGTERM, then SIGKILL
 * after a grace period.
 */
export function shell(options: ShellActionOptions = {}): Action<unknown, ShellOutput> {
  const killGraceMs = options.killGraceMs ?? 2_000
  return async (input, ctx) => {
    const record = readWith('shell', input, KNOWN_KEYS)
    const command = optionalString('shell', record, 'command')
    if (command === undefined || command.trim() === '') {
      throw invalidInput('shell', '"command" is required: the text to run with /bin/sh -c')
    }
    const cwd = await readCwd(record)
    const env = readEnv(record['env'])
    const timeoutMs = optionalDurationMs('shell', record, 'timeout')
    if (ctx.signal.aborted) throw abortError(ctx.signal)
    ctx.logger.debug({ command, cwd }, 'shell: running command')
    return run({ command, cwd, env, timeoutMs, killGraceMs, signal: ctx.signal })
  }
}

async function readCwd(record: Record<string, unknown>): Promise<string | undefined> {
  const cwd = optionalString('shell', record, 'cwd')
  if (cwd === undefined) return undefined
  const path = resolve(cwd)
  const info = await stat(path).catch(() => undefined)
  if (info === undefined) throw invalidInput('shell', `"cwd" ${JSON.stringify(cwd)} does not exist (looked at ${path})`)
  if (!info.isDirectory()) throw invalidInput('shell', `"cwd" ${JSON.stringify(cwd)} is not a directory`)
  return path
}

function readEnv(value: unknown): NodeJS.ProcessEnv {
  const env = { ...process.env }
  if (value === undefined || value === null) return env
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalidInput('shell', `"env" must be an object of variable names to values; got ${describeValue(value)}`)
  }
  for (const [name, item] of Object.entries(value)) {
    if (name === '' || name.includes('=') || name.includes('\0')) {
      throw invalidInput('shell', `"env" has an invalid variable name ${JSON.stringify(name)}`)
    }
    if (item === null) delete env[name]
    else env[name] = typeof item === 'string' ? item : typeof item === 'object' ? JSON.stringify(item) : String(item)
  }
  return env
}

interface RunOptions {
  readonly command: string
  readonly cwd: string | undefined
  readonly env: NodeJS.ProcessEnv
  readonly timeoutMs: number | undefined
  readonly killGraceMs: number
  readonly signal: AbortSignal
}

function run(options: RunOptions): Promise<ShellOutput> {
  return new Promise((resolvePromise, rejectPromise) => {
    let child: ChildProcess
    try {
      // detached: the shell leads a new process group, so a stop reaches everything it started
      child = spawn('/bin/sh', ['-c', options.command], {
        cwd: options.cwd,
        env: options.env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    } catch (error) {
      // spawn throws at once for arguments it cannot pass on, such as a NUL byte in the command or env
      rejectPromise(invalidInput('shell', (error as Error).message))
      return
    }
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk))
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk))

    let settled = false
    let stopError: unknown // set once the command is being stopped: the error to fail with
    let killTimer: NodeJS.Timeout | undefined
    const timeoutTimer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            const after = formatDuration(options.timeoutMs ?? 0)
            stop(new ActionError('TIMEOUT', `shell: the command did not finish within its timeout of ${after}`))
          }, options.timeoutMs)
    const onAbort = (): void => stop(abortError(options.signal))
    options.signal.addEventListener('abort', onAbort, { once: true })

    function stop(error: unknown): void {
      if (settled || stopError !== undefined) return
      stopError = error
      killGroup(child, 'SIGTERM')
      killTimer = setTimeout(() => killGroup(child, 'SIGKILL'), options.killGraceMs)
      // the shell may be gone already while something it started still holds the output pipes open
      if (child.exitCode !== null || child.signalCode !== null) finishStopped()
    }

    function finishStopped(): void {
      if (!groupAlive(child)) clearTimeout(killTimer)
      child.stdout?.destroy()
      child.stderr?.destroy()
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the abort reason as is, or TIMEOUT
      settle(() => rejectPromise(stopError))
    }

    function settle(finish: () => void): void {
      if (settled) return
      settled = true
      clearTimeout(timeoutTimer)
      options.signal.removeEventListener('abort', onAbort)
      finish()
    }

    child.on('error', (error) => {
      settle(() =>
        rejectPromise(
          new ActionError('SPAWN_FAILED', `shell: could not start /bin/sh: ${error.message}`, { cause: error }),
        ),
      )
    })
    // a stopped command ends when the shell does; pipes held by stragglers must not keep the attempt open
    child.on('exit', () => {
      if (stopError !== undefined) finishStopped()
    })
    child.on('close', (code, signal) => {
      if (stopError !== undefined) return finishStopped()
      const output = {
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        exit_code: code ?? 128 + (signal === null ? 0 : constants.signals[signal]),
      }
      if (output.exit_code === 0) return settle(() => resolvePromise(output))
      const how = signal === null ? `exited with code ${output.exit_code}` : `was killed by ${signal}`
      settle(() => rejectPromise(new ActionError('EXIT_CODE', `shell: the command ${how}${stderrTail(output.stderr)}`)))
    })
  })
}

/** Sends `signal` to the child's whole process group; a group that is already gone is fine. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    // ESRCH: nothing left in the group
  }
}

function groupAlive(child: ChildProcess): boolean {
  if (child.pid === undefined) return false
  try {
    process.kill(-child.pid, 0)
    return true
  } catch {
    return false
  }
}

/** The last few lines of stderr, for the failure message. */
function stderrTail(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '')
  if (lines.length === 0) return ' (stderr was empty)'
  let tail = lines.slice(-STDERR_TAIL_LINES).join(' | ')
  if (tail.length > STDERR_TAIL_CHARS) tail = `...${tail.slice(-STDERR_TAIL_CHARS)}`
  return `; stderr ends with: ${tail}`
}
