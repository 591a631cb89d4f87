import type { Command } from 'commander'
import { isTerminalStatus } from '../../store/index.js'
import type { Cli } from '../cli.js'
import { missingDatabase } from '../errors.js'
import { followExecution, printEnded } from '../follow.js'
import {
  addActionsOption,
  addDbOption,
  addJsonOption,
  parseDurationArg,
  type ActionsOptions,
  type DbOptions,
} from '../options.js'
import { loadActions, withSession } from '../session.js'
import { StepBoard } from '../step-board.js'

interface ResumeOptions extends DbOptions, ActionsOptions {
  readonly json?: boolean
  readonly timeout?: number
}

/** `trellis resume ID`: un-pause a paused execution, or continue an interrupted one, in this process until it ends. */
export function registerResume(program: Command, cli: Cli): void {
  const command = program
    .command('resume')
    .description('un-pause a paused execution, or continue an interrupted one, in this process until it ends')
    .argument('<id>', 'the execution')
    .option(
      '--timeout <duration>',
      'stop following the execution after this long (exit 4; it goes on)',
      parseDurationArg,
    )
  addActionsOption(command)
  addJsonOption(command, 'the execution object')
  addDbOption(command)
  command.action(async (id: string, options: ResumeOptions) => cli.exit(await resume(id, options, cli)))
}

async function resume(id: string, options: ResumeOptions, { io }: Cli): Promise<number> {
  const actions = await loadActions(options.actions)
  const json = options.json === true
  return withSession({ ...options, create: false, actions }, missingDatabase(id, options.db), async (session) => {
    const execution = await session.engine.get(id)
    // cli.md: resume of an execution that has already ended changes nothing; it prints it and exits with its outcome.
    if (isTerminalStatus(execution.status)) return printEnded(execution, io, json)
    return followExecution({
      session,
      io,
      json,
      timeoutMs: options.timeout,
      board: StepBoard.of(execution),
      begin: () => session.engine.resume(id),
    })
  })
}
