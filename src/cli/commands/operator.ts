import type { Command } from 'commander'
import type { Cli } from '../cli.js'
import { missingDatabase } from '../errors.js'
import { EXIT_CODE } from '../exit-codes.js'
import { addDbOption, parseJsonArg, type DbOptions } from '../options.js'
import { withSession } from '../session.js'

interface ReasonOptions extends DbOptions {
  readonly reason?: string
}

interface SignalOptions extends DbOptions {
  readonly data?: unknown
}

/** `trellis pause ID`: running steps finish, nothing new starts. */
export function registerPause(program: Command, cli: Cli): void {
  const command = program
    .command('pause')
    .description('pause an execution: running steps finish, nothing new starts')
    .argument('<id>', 'the execution')
    .option('--reason <text>', 'why, shown with the paused execution')
  addDbOption(command)
  command.action(async (id: string, options: ReasonOptions) => {
    cli.exit(
      await withSession({ ...options, create: false }, missingDatabase(id, options.db), async ({ engine }) => {
        await engine.pause(id, options.reason ?? null)
        const now = await engine.get(id)
        cli.io.out(
          now.status === 'paused'
            ? `paused ${id}; continue it with: trellis resume ${id}`
            : `pause of ${id} requested: running steps finish, then it pauses; continue it with: trellis resume ${id}`,
        )
        return EXIT_CODE.ok
      }),
    )
  })
}

/** `trellis cancel ID`: running and parked steps are cancelled and the execution ends `cancelled`. */
export function registerCancel(program: Command, cli: Cli): void {
  const command = program
    .command('cancel')
    .description('cancel an execution: running and parked steps are cancelled, it ends cancelled')
    .argument('<id>', 'the execution')
    .option('--reason <text>', 'why, recorded with the cancellation')
  addDbOption(command)
  command.action(async (id: string, options: ReasonOptions) => {
    cli.exit(
      await withSession({ ...options, create: false }, missingDatabase(id, options.db), async ({ engine }) => {
        await engine.cancel(id, options.reason ?? null)
        const now = await engine.get(id)
        cli.io.out(
          now.status === 'cancelled'
            ? `cancelled ${id}`
            : `cancel of ${id} requested; the process running it applies it`,
        )
        return EXIT_CODE.ok
      }),
    )
  })
}

/** `trellis signal ID TOPIC`: deliver a signal. */
export function registerSignal(program: Command, cli: Cli): void {
  const command = program
    .command('signal')
    .description('deliver a signal to an execution (a wait step takes it, now or later)')
    .argument('<id>', 'the execution')
    .argument('<topic>', 'the signal topic')
    .option('--data <json>', 'the signal data, as JSON (default null)', parseJsonArg)
  addDbOption(command)
  command.action(async (id: string, topic: string, options: SignalOptions) => {
    cli.exit(
      await withSession({ ...options, create: false }, missingDatabase(id, options.db), async ({ engine }) => {
        const event = await engine.signal(id, topic, options.data ?? null)
        cli.io.out(`signal "${topic}" delivered to ${id} (event ${event.seq})`)
        return EXIT_CODE.ok
      }),
    )
  })
}
