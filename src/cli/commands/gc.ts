import type { Command } from 'commander'
import type { Cli } from '../cli.js'
import { EXIT_CODE } from '../exit-codes.js'
import { addDbOption, addJsonOption, parseDurationArg, type DbOptions } from '../options.js'
import { withSession } from '../session.js'

interface GcOptions extends DbOptions {
  readonly olderThan: number
  readonly json?: boolean
}

const DEFAULT_OLDER_THAN = '30d'

/** `trellis gc`: delete ended executions older than `--older-than` (default 30d) and their events. */
export function registerGc(program: Command, cli: Cli): void {
  const command = program
    .command('gc')
    .description('delete executions that ended longer ago than --older-than, with their events')
    .option(
      '--older-than <duration>',
      `how long ago they ended (default ${DEFAULT_OLDER_THAN})`,
      parseDurationArg,
      parseDurationArg(DEFAULT_OLDER_THAN),
    )
  addJsonOption(command, '{"deleted": N}')
  addDbOption(command)
  command.action(async (options: GcOptions) => {
    const cutoff = Date.now() - options.olderThan
    // A database that does not exist holds nothing to delete; gc does not create one.
    const deleted = await withSession(
      { ...options, create: false },
      () => 0,
      ({ engine }) => engine.gc(cutoff),
    )
    if (options.json === true) cli.io.json({ deleted })
    else {
      const what = deleted === 1 ? 'execution' : 'executions'
      cli.io.out(`deleted ${deleted} ${what} that ended before ${new Date(cutoff).toISOString()}`)
    }
    cli.exit(EXIT_CODE.ok)
  })
}
