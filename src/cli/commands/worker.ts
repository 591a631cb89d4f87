import type { Command } from 'commander'
import { TERMINAL_EVENT_TYPES, type TrellisEvent } from '../../events/index.js'
import { formatDuration } from '../../util/index.js'
import type { Cli } from '../cli.js'
import { EXIT_CODE } from '../exit-codes.js'
import { keepAlive, watchInterrupt } from '../interrupt.js'
import type { Io } from '../io.js'
import {
  addActionsOption,
  addDbOption,
  intArg,
  parseDurationArg,
  type ActionsOptions,
  type DbOptions,
} from '../options.js'
import { loadActions } from '../session.js'
import { StepBoard } from '../step-board.js'

interface WorkerOptions extends DbOptions, ActionsOptions {
  readonly concurrency: number
  readonly retention?: number
  readonly grace: number
  readonly lease: number
}

/**
 * `trellis worker`: run executions from the store until stopped. SIGTERM: stop claiming, let running attempts finish
 * within `--grace`, release the rest so other workers start them at once, exit 0. Ctrl-C: the same without the
 * grace period, exit 130.
 */
export function registerWorker(program: Command, cli: Cli): void {
  const command = program
    .command('worker')
    .description('run executions from the store (started ones, timers, signals) until stopped')
    .option('--concurrency <n>', 'most attempts run at once', intArg(1), 10)
    .option(
      '--grace <duration>',
      'on SIGTERM, how long running attempts may take to finish before they are released to other workers',
      parseDurationArg,
      30_000,
    )
    .option(
      '--lease <duration>',
      'how long a claimed attempt stays this worker’s without a heartbeat (renewed every third of it)',
      parseDurationArg,
      30_000,
    )
    .option(
      '--retention <duration>',
      'also delete executions that ended longer ago than this (with their events), checking every hour at most',
      parseDurationArg,
    )
  addActionsOption(command)
  addDbOption(command)
  command.action(async (options: WorkerOptions) => cli.exit(await work(options, cli.io)))
}

async function work(options: WorkerOptions, io: Io): Promise<number> {
  const [actions, { createCliLogger }, { describeDb, openStore }, { createWorker }] = await Promise.all([
    loadActions(options.actions),
    import('../logger.js'),
    import('../../open-store.js'),
    import('../../create-engine.js'),
  ])
  const logger = createCliLogger(options.logLevel)
  const interrupt = watchInterrupt(['SIGINT', 'SIGTERM'])
  const letGo = keepAlive()
  const store = await openStore(options.db, { createIfMissing: true })
  if (store === null) throw new Error('unreachable: the database is created when missing')
  try {
    const retention = options.retention === undefined ? undefined : { olderThanMs: options.retention }
    const worker = await createWorker({
      db: store,
      actions,
      logger,
      concurrency: options.concurrency,
      retention,
      leaseMs: options.lease,
    })
    const off = worker.engine.events.onAny(eventPrinter(io))
    io.out(
      `worker running executions from ${describeDb(options.db)} (concurrency ${options.concurrency}` +
        `${options.retention === undefined ? '' : `, deleting executions that ended over ${formatDuration(options.retention)} ago`}); ` +
        'Ctrl-C or SIGTERM stops it',
    )
    await Promise.race([
      worker.done,
      new Promise<void>((resolve) => {
        if (interrupt.signal.aborted) resolve()
        interrupt.signal.addEventListener('abort', () => resolve(), { once: true })
      }),
    ])
    // SIGTERM: running attempts get the grace period to finish. What is still running then (or at once on Ctrl-C) is
    // aborted and released, so other workers start those attempts again at once.
    if (interrupt.received === 'SIGTERM')
      io.out(`stopping: running attempts may finish within ${formatDuration(options.grace)}`)
    await worker.stop({ graceMs: interrupt.received === 'SIGTERM' ? options.grace : 0 })
    off()
    io.out(`worker stopped${interrupt.received === null ? '' : ` (${interrupt.received})`}`)
    return interrupt.received === 'SIGINT' ? EXIT_CODE.interrupted : EXIT_CODE.ok
  } finally {
    await store.close()
    interrupt.dispose()
    letGo()
  }
}

/** One plain line per event of any execution this worker runs, prefixed with the execution id. */
function eventPrinter(io: Io): (event: TrellisEvent) => void {
  const boards = new Map<string, StepBoard>()
  return (event) => {
    const id = event.execution_id
    let board = boards.get(id)
    if (board === undefined) boards.set(id, (board = new StepBoard(id, [])))
    const line = board.apply(event)
    if (line !== null) io.out(`${id}  ${line}`)
    if (TERMINAL_EVENT_TYPES.has(event.type)) {
      boards.delete(id)
      const failure = event.type === 'execution.failed' ? `: ${event.data.error.code}: ${event.data.error.message}` : ''
      io.out(`${id}  execution ${event.type.slice('execution.'.length)}${failure}`)
    }
  }
}
