import type { Command } from 'commander'
import { newExecutionId } from '../../util/index.js'
import type { Cli } from '../cli.js'
import { checkInputs, loadDefinition } from '../definitions.js'
import { followExecution } from '../follow.js'
import {
  addActionsOption,
  addDbOption,
  addJsonOption,
  addStartOptions,
  mergeInputs,
  type ActionsOptions,
  type DbOptions,
  type StartOptions,
} from '../options.js'
import { loadActions, openSession } from '../session.js'
import { StepBoard } from '../step-board.js'

interface RunOptions extends DbOptions, ActionsOptions, StartOptions {
  readonly json?: boolean
}

/** `trellis run FILE`: validate, start and run an execution in this process until it is terminal. */
export function registerRun(program: Command, cli: Cli): void {
  const command = program
    .command('run')
    .description('validate, start and run an execution in this process until it ends (Ctrl-C leaves it resumable)')
    .argument('<file>', 'the workflow definition (YAML or JSON)')
  addStartOptions(command)
  addActionsOption(command)
  addJsonOption(command, 'the execution object')
  addDbOption(command)
  command.action(async (file: string, options: RunOptions) => cli.exit(await run(file, options, cli)))
}

async function run(file: string, options: RunOptions, { io }: Cli): Promise<number> {
  const actions = await loadActions(options.actions)
  const workflow = await loadDefinition(file, actions)
  const inputs = mergeInputs(options)
  // Inputs are checked before the database is opened: bad inputs create nothing.
  await checkInputs(workflow, inputs)
  // The id is chosen here so that Ctrl-C can name it whatever moment it comes.
  const id = options.id ?? newExecutionId()
  const session = await openSession({ ...options, create: true, actions })
  if (session === null) throw new Error('unreachable: the database is created when missing')
  try {
    if (options.json !== true) io.out(`running ${workflow.name} as ${id}`)
    return await followExecution({
      session,
      io,
      json: options.json === true,
      timeoutMs: options.timeout,
      board: new StepBoard(id, Object.keys(workflow.steps)),
      begin: () => session.engine.start(workflow, inputs, { id }),
    })
  } finally {
    await session.close()
  }
}
