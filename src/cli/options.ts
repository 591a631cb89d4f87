import { InvalidArgumentError, Option, type Command } from 'commander'
import { EXECUTION_STATUSES, type ExecutionStatus } from '../store/index.js'
import { EXECUTION_ID_PATTERN, parseDuration } from '../util/index.js'

/** Options every command takes. */
export interface CommonOptions {
  readonly verbose?: boolean
  readonly logLevel: LogLevel
}

/** Options of commands that open the store. */
export interface DbOptions extends CommonOptions {
  readonly db?: string
}

/** `--actions MODULE`, repeatable. */
export interface ActionsOptions {
  readonly actions?: readonly string[]
}

/** `--input`, `--inputs`, `--id`, `--timeout`: how `run` and `start` name and feed an execution. */
export interface StartOptions {
  readonly input?: readonly InputPair[]
  readonly inputs?: Record<string, unknown>
  readonly id?: string
  readonly timeout?: number
}

/** One `--input k=v`, its value already parsed. */
export interface InputPair {
  readonly key: string
  readonly value: unknown
}

/** The levels `--log-level` accepts (pino's). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number]

/** Adds `--verbose` and `--log-level`. */
export function addCommonOptions(command: Command): Command {
  return command
    .option('--verbose', 'print stack traces with errors')
    .addOption(
      new Option('--log-level <level>', 'log level of the logs written to stderr').choices(LOG_LEVELS).default('warn'),
    )
}

/** Adds `--db URL` (falling back to `TRELLIS_DB`) and the common options. */
export function addDbOption(command: Command): Command {
  return addCommonOptions(
    command.addOption(
      new Option('--db <url>', 'a file path, sqlite:PATH or postgres://… (default ./.trellis/trellis.db)').env(
        'TRELLIS_DB',
      ),
    ),
  )
}

/** Adds `--actions MODULE`, repeatable. */
export function addActionsOption(command: Command): Command {
  return command.option(
    '--actions <module>',
    'load actions from a .ts, .mts, .js or .mjs module (repeatable)',
    (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
  )
}

/** Adds `--json`. */
export function addJsonOption(command: Command, what: string): Command {
  return command.option('--json', `print ${what} as JSON on stdout (and nothing else)`)
}

/** Adds `--input`, `--inputs`, `--id` and `--timeout`. */
export function addStartOptions(command: Command): Command {
  return command
    .option(
      '--input <key=value>',
      'an input; the value is parsed as JSON when it is valid JSON, else taken as text (repeatable)',
      (value: string, previous: InputPair[] | undefined) => [...(previous ?? []), parseInputPair(value)],
    )
    .option('--inputs <json>', 'inputs as a JSON object (--input wins for the same key)', parseInputsObject)
    .option(
      '--id <id>',
      'name the execution ([A-Za-z0-9_.:-], at most 128 characters); starting again creates nothing',
      idArg,
    )
    .option(
      '--timeout <duration>',
      'stop following the execution after this long (exit 4; it goes on)',
      parseDurationArg,
    )
}

/** `--input` wins over `--inputs` for the same key (cli.md). */
export function mergeInputs(options: StartOptions): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...options.inputs }
  for (const { key, value } of options.input ?? []) merged[key] = value
  return merged
}

/** Parses `k=v`: `v` as JSON when it is valid JSON, else as text. */
export function parseInputPair(text: string): InputPair {
  const at = text.indexOf('=')
  if (at <= 0) throw new InvalidArgumentError(`expected key=value (for example --input amount=5), got "${text}".`)
  const key = text.slice(0, at)
  const raw = text.slice(at + 1)
  return { key, value: parseJsonOr(raw, raw) }
}

function parseInputsObject(text: string): Record<string, unknown> {
  const value = parseJsonOr(text, undefined)
  if (value === undefined) throw new InvalidArgumentError(`not valid JSON: ${text}`)
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidArgumentError(`expected a JSON object such as '{"amount": 5}', got ${text}`)
  }
  return value as Record<string, unknown>
}

/** Parses `--data JSON` of `signal`. */
export function parseJsonArg(text: string): unknown {
  const value = parseJsonOr(text, undefined)
  if (value === undefined) {
    throw new InvalidArgumentError(`not valid JSON: ${text} (write text as a JSON string, for example '"yes"').`)
  }
  return value
}

/** Parses a duration (`250ms`, `30s`, `5m`, `1h30m`, `7d`, bare seconds). */
export function parseDurationArg(text: string): number {
  const ms = parseDuration(text)
  if (ms === undefined)
    throw new InvalidArgumentError(`"${text}" is not a duration (examples: 500ms, 30s, 5m, 1h30m, 7d).`)
  return ms
}

/** Checks an execution id given with `--id`. */
export function idArg(text: string): string {
  if (!EXECUTION_ID_PATTERN.test(text)) {
    throw new InvalidArgumentError(`"${text}" is not a valid id: use 1 to 128 characters of A-Z a-z 0-9 _ . : -`)
  }
  return text
}

/** Parses a whole number of at least `min`. */
export function intArg(min: number): (text: string) => number {
  return (text) => {
    const n = Number(text)
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`expected a whole number of at least ${min}, got "${text}".`)
    }
    return n
  }
}

/** Parses an execution status (`list --status`). */
export function statusArg(text: string): ExecutionStatus {
  if (!(EXECUTION_STATUSES as readonly string[]).includes(text)) {
    throw new InvalidArgumentError(`"${text}" is not a status; use one of ${EXECUTION_STATUSES.join(', ')}.`)
  }
  return text as ExecutionStatus
}

function parseJsonOr<T>(text: string, fallback: T): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return fallback
  }
}
