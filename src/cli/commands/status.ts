import type { Command } from 'commander'
import type { Cli } from '../cli.js'
import { missingDatabase } from '../errors.js'
import { EXIT_CODE } from '../exit-codes.js'
import { addDbOption, addJsonOption, type DbOptions } from '../options.js'
import { withSession } from '../session.js'
import { renderStatus } from '../status-view.js'

interface StatusOptions extends DbOptions {
  readonly json?: boolean
}

/** `trellis status ID`: the execution and its steps. Never creates a database. */
export function registerStatus(program: Command, cli: Cli): void {
  const command = program
    .command('status')
    .description('show an execution and its steps')
    .argument('<id>', 'the execution')
  addJsonOption(command, 'the execution object')
  addDbOption(command)
  command.action(async (id: string, options: StatusOptions) => {
    const notFound = missingDatabase(id, options.db)
    cli.exit(
      await withSession({ ...options, create: false }, notFound, async ({ engine }) => {
        const execution = await engine.get(id)
        if (options.json === true) cli.io.json((await import('../../engine/index.js')).toWireExecution(execution))
        else cli.io.out(renderStatus(execution))
        return EXIT_CODE.ok
      }),
    )
  })
}
