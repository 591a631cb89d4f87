import type { Command } from 'commander'
import type { Cli } from '../cli.js'
import { missingDatabase } from '../errors.js'
import { followExecution } from '../follow.js'
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

interface RetryOptions extends DbOptions, ActionsOptions {
  readonly json?: boolean
  readonly timeout?: number
}

/** `trellis retry ID`: run a failed execution again from its failed steps, same id, in this process. */
export function registerRetry(program: Command, cli: Cli): void {
  const command = program
    .command('retry')
    .description('run a failed execution again from its failed steps (same id) in this process until it ends')
    .argument('<id>', 'the execution')
    .option(
      '--timeout <duration>',
      'stop following the execution after this long (exit 4; it goes on)',
      parseDurationArg,
    )
  addActionsOption(command)
  addJsonOption(command, 'the execution object')
  addDbOption(command)
  command.action(async (id: string, options: RetryOptions) => cli.exit(await retry(id, options, cli)))
}

async function retry(id: string, options: RetryOptions, { io }: Cli): Promise<number> {
  const actions = await loadActions(options.actions)
  return withSession({ ...options, create: false, actions }, missingDatabase(id, options.db), async (session) => {
    const execution = await session.engine.get(id)
    const board = StepBoard.of(execution)
    // The steps a retry resets start over; the board shows them pending until their events come.
    for (const step of board.steps.values()) {
      if (step.status === 'failed' || step.status === 'cancelled' || step.status === 'skipped') {
        step.status = 'pending'
        step.detail = null
      }
    }
    return followExecution({
      session,
      io,
      json: options.json === true,
      timeoutMs: options.timeout,
      board,
      begin: () => session.engine.retry(id),
    })
  })
}
