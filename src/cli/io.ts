/** Where a command writes: stdout for its output, stderr for errors, hints and logs. */
export interface Io {
  /** Writes a line (or lines) to stdout. */
  out(text: string): void
  /** Writes one JSON document on one line to stdout. */
  json(value: unknown): void
  /** Writes a line (or lines) to stderr. */
  err(text: string): void
  /** True when stdout is a terminal (live progress, tables). */
  readonly isTTY: boolean
}

/** The process's own stdout and stderr. */
export const processIo: Io = {
  out: (text) => void process.stdout.write(`${text}\n`),
  json: (value) => void process.stdout.write(`${JSON.stringify(value)}\n`),
  err: (text) => void process.stderr.write(`${text}\n`),
  get isTTY() {
    return process.stdout.isTTY === true
  },
}
