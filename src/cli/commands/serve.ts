import type { Command } from 'commander'
import type { Cli } from '../cli.js'
import { NotAvailableError } from '../errors.js'
import { addActionsOption, addDbOption, intArg } from '../options.js'

/** `trellis serve`: HTTP API, web UI and a worker in one process. Not in this version yet: exit 2 with a clear error. */
export function registerServe(program: Command, _cli: Cli): void {
  const command = program
    .command('serve')
    .description('HTTP API, web UI and a worker in one process (not available yet)')
    .option('--port <port>', 'port to listen on', intArg(0))
    .option('--host <host>', 'host to bind; other than loopback needs a token')
    .option('--token <token>', 'API token (also TRELLIS_TOKEN)')
  addActionsOption(command)
  addDbOption(command)
  command.action(() => {
    throw new NotAvailableError(
      'trellis serve is not available yet in this version. Run executions with `trellis worker` and follow them ' +
        'with `trellis status ID` or `trellis events ID --follow`.',
    )
  })
}
