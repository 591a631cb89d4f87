import type { Io } from './io.js'

/** What every command registration gets: where to write, and where to leave its exit code. */
export interface Cli {
  readonly io: Io
  /** Records the command's exit code; `main` returns it. */
  exit(code: number): void
}
