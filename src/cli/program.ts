import { readFileSync } from 'node:fs'
import { Command } from 'commander'
import type { Cli } from './cli.js'
import { registerGc } from './commands/gc.js'
import { registerEvents } from './commands/events.js'
import { registerGraph } from './commands/graph.js'
import { registerList } from './commands/list.js'
import { registerCancel, registerPause, registerSignal } from './commands/operator.js'
import { registerResume } from './commands/resume.js'
import { registerRetry } from './commands/retry.js'
import { registerRun } from './commands/run.js'
import { registerServe } from './commands/serve.js'
import { registerStart } from './commands/start.js'
import { registerStatus } from './commands/status.js'
import { registerValidate } from './commands/validate.js'
import { registerWorker } from './commands/worker.js'

/** The `trellis` command and its subcommands, parsing only: each action leaves its exit code with `cli`. */
export function createProgram(cli: Cli): Command {
  const program = new Command('trellis')
    .description('Trellis: durable workflows from YAML or TypeScript, on SQLite by default')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpCommand(true)
    .showHelpAfterError('(run with --help for usage)')
    // Commander errors (unknown option, missing argument) are thrown to main instead of exiting the process.
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void process.stdout.write(text),
      writeErr: (text) => void process.stderr.write(text),
    })
  registerRun(program, cli)
  registerStart(program, cli)
  registerWorker(program, cli)
  registerResume(program, cli)
  registerRetry(program, cli)
  registerPause(program, cli)
  registerCancel(program, cli)
  registerSignal(program, cli)
  registerStatus(program, cli)
  registerEvents(program, cli)
  registerList(program, cli)
  registerValidate(program, cli)
  registerGraph(program, cli)
  registerServe(program, cli)
  registerGc(program, cli)
  return program
}

/** The version in package.json (two levels up from both src/cli and dist/cli). */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown
    }
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0'
  } catch {
    return '0.0.0'
  }
}
