/**
 * cli: the `trellis` command, the composition root. It parses arguments (commander), opens the store, wires the
 * engine, worker and actions, shows progress (listr2 on a terminal, plain lines otherwise) and maps every outcome to
 * one exit code (`EXIT_CODE`). It may import every module; nothing imports it.
 */
import { CommanderError } from 'commander'
import { renderError } from './errors.js'
import { EXIT_CODE, outcomeOfError } from './exit-codes.js'
import { processIo, type Io } from './io.js'
import { createProgram } from './program.js'

/**
 * Runs `trellis` with the arguments after the program name and returns the exit code (cli.md, "Exit codes").
 * Never throws: errors are printed to stderr as one readable sentence, with a stack trace only with `--verbose`.
 */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code: number = EXIT_CODE.ok
  const program = createProgram({ io, exit: (c) => void (code = c) })
  try {
    await program.parseAsync([...argv], { from: 'user' })
    return code
  } catch (error) {
    if (error instanceof CommanderError) return commanderExitCode(error)
    io.err(renderError(error, argv.includes('--verbose')))
    return EXIT_CODE[outcomeOfError(error)]
  }
}

/** Help and version exit 0; everything else commander refuses is bad usage (exit 2). It printed the message already. */
function commanderExitCode(error: CommanderError): number {
  switch (error.code) {
    case 'commander.helpDisplayed':
    case 'commander.version':
      return EXIT_CODE.ok
    default:
      return error.exitCode === 0 ? EXIT_CODE.ok : EXIT_CODE.usage
  }
}
