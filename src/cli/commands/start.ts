import type { Command } from 'commander'
import type { Cli } from '../cli.js'
import { checkInputs, loadDefinition } from '../definitions.js'
import { EXIT_CODE } from '../exit-codes.js'
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

interface StartCommandOptions extends DbOptions, ActionsOptions, StartOptions {
  readonly json?: boolean
}

/** `trellis start FILE`: create the execution and print its id; a worker runs it. */
export function registerStart(program: Command, cli: Cli): void {
  const command = program
    .command('start')
    .description('create an execution and print its id; a worker (or resume) runs it')
    .argument('<file>', 'the workflow definition (YAML or JSON)')
  addStartOptions(command)
  addActionsOption(command)
  addJsonOption(command, 'the execution object')
  addDbOption(command)
  command.action(async (file: string, options: StartCommandOptions) => cli.exit(await start(file, options, cli)))
}

async function start(file: string, options: StartCommandOptions, { io }: Cli): Promise<number> {
  const actions = await loadActions(options.actions)
  const workflow = await loadDefinition(file, actions)
  const inputs = mergeInputs(options)
  await checkInputs(workflow, inputs)
  const session = await openSession({ ...options, create: true, actions })
  if (session === null) throw new Error('unreachable: the database is created when missing')
  try {
    const record = await session.engine.create(workflow, inputs, options.id === undefined ? {} : { id: options.id })
    if (options.json === true) {
      const { toWireExecution } = await import('../../engine/index.js')
      io.json(toWireExecution(await session.engine.get(record.id)))
    } else io.out(record.id)
    return EXIT_CODE.ok
  } finally {
    await session.close()
  }
}
