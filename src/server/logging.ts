import pino from 'pino'
import type { Logger } from '../util/index.js'

/** Log levels, pino's. */
export type ServerLogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent'

/** Options of {@link createServerLogger}. */
export interface ServerLoggerOptions {
  readonly level: ServerLogLevel
  /** Human lines instead of JSON. @default whether `stream` is a TTY */
  readonly pretty?: boolean
  /** Where lines go. @default process.stderr */
  readonly stream?: { write(text: string): unknown; readonly isTTY?: boolean }
  /** Colours in human lines. @default a TTY stream and no NO_COLOR */
  readonly color?: boolean
}

/**
 * The logger of `trellis serve`: pino, JSON lines off a terminal (for log collectors) and short human lines on one.
 * Anything that looks like a credential is redacted, whatever a caller passes.
 */
export function createServerLogger(options: ServerLoggerOptions): Logger {
  const stream = options.stream ?? process.stderr
  const pretty = options.pretty ?? stream.isTTY === true
  const color = options.color ?? (stream.isTTY === true && process.env.NO_COLOR === undefined)
  return pino(
    {
      level: options.level,
      base: { pid: process.pid },
      redact: {
        paths: ['token', '*.token', 'authorization', '*.authorization', 'headers.authorization', 'access_token'],
        censor: '[redacted]',
      },
    },
    {
      write: pretty
        ? (line: string) => void stream.write(formatLine(line, color))
        : (line: string) => void stream.write(line),
    },
  )
}

const LEVELS: Readonly<Record<number, readonly [string, string]>> = {
  10: ['TRACE', '\x1b[90m'],
  20: ['DEBUG', '\x1b[36m'],
  30: ['INFO ', '\x1b[32m'],
  40: ['WARN ', '\x1b[33m'],
  50: ['ERROR', '\x1b[31m'],
  60: ['FATAL', '\x1b[35m'],
}
const OMIT = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'v'])

/**
 * One pino JSON line as `12:04:05 INFO  step.started execution_id=exec_1 step=charge attempt=1`; an error's stack
 * follows on its own lines. A line that is not JSON is passed through.
 */
export function formatLine(line: string, color = false): string {
  let record: Record<string, unknown>
  try {
    record = JSON.parse(line) as Record<string, unknown>
  } catch {
    return line
  }
  const [name, tint] = LEVELS[record.level as number] ?? ['LOG  ', '']
  const time = new Date(typeof record.time === 'number' ? record.time : Date.now()).toISOString().slice(11, 19)
  const fields: string[] = []
  let stack: string | null = null
  for (const [key, value] of Object.entries(record)) {
    if (OMIT.has(key)) continue
    if (key === 'err' && value !== null && typeof value === 'object') {
      const err = value as { message?: unknown; stack?: unknown }
      fields.push(`err=${JSON.stringify(typeof err.message === 'string' ? err.message : '')}`)
      if (typeof err.stack === 'string') stack = err.stack
      continue
    }
    fields.push(`${key}=${typeof value === 'string' && /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value)}`)
  }
  const level = color ? `${tint}${name}\x1b[0m` : name
  const message = typeof record.msg === 'string' ? record.msg : ''
  const text = [time, level, message, ...fields].filter((part) => part !== '').join(' ')
  return `${text}\n${stack === null ? '' : stack.replace(/^/gm, '    ') + '\n'}`
}
