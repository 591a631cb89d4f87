import pino from 'pino'
import type { Logger } from '../util/index.js'
import type { LogLevel } from './options.js'

/**
 * The CLI's logger: pino writing JSON lines to stderr (synchronously, so nothing is lost on exit and stdout stays
 * clean for `--json`), at `--log-level` (default `warn`).
 */
export function createCliLogger(level: LogLevel): Logger {
  return pino({ level, base: { pid: process.pid } }, pino.destination({ dest: 2, sync: true }))
}
